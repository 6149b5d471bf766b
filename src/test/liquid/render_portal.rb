# Renders our developer portal content (installer-assets/portal) with the Liquid gem and sample data, to catch
# syntax errors, unknown filters and wrong variable names before a live 3scale sees the templates.
#
#   ruby src/test/liquid/render_portal.rb [installer-assets/portal]
#
# Needs ruby and the liquid gem (Debian: apt-get install ruby ruby-liquid). 3scale's own tags and filters
# ({% content %}, {% csrf %}, {% cdn_asset %}, {% disable_client_cache %}, {% form %}, stylesheet_link_tag,
# javascript_include_tag, html_safe, update_button) are replaced by small stand-ins with the same syntax; the drops
# are plain hashes holding the methods our templates call (see docs/portal-content.md for their porta sources).
# Exit status 0 when every template renders and the checks below hold.
require 'fileutils'
require 'liquid'

ROOT = File.expand_path(ARGV[0] || File.join(__dir__, '..', '..', '..', 'installer-assets', 'portal'))

class StubTag < Liquid::Tag
  def render(_context) = "<!-- #{tag_name} -->"
end

class ContentTag < Liquid::Tag
  def render(context) = context['content_for_layout'].to_s
end

class FormBlock < Liquid::Block
  def render(context) = "<form data-form=\"#{@markup.strip.split(',').first}\">#{super}</form>"
end

Liquid::Template.register_tag('content', ContentTag)
%w[csrf cdn_asset disable_client_cache].each { |t| Liquid::Template.register_tag(t, StubTag) }
Liquid::Template.register_tag('form', FormBlock)

module PortalFilters
  def stylesheet_link_tag(path) = %(<link rel="stylesheet" href="#{path}">)
  def javascript_include_tag(path) = %(<script src="#{path}"></script>)
  def html_safe(text) = text
  # like Rails button_to: the class goes on the button
  def update_button(title, url, options = {}) = %(<form action="#{url}" class="button_to"><button class="#{options['class']}" type="submit">#{title}</button></form>)
end
Liquid::Template.register_filter(PortalFilters)

class PortalFileSystem
  def read_template_file(name)
    return '<nav class="pagination"></nav>' if name == 'shared/pagination'

    dir, base = File.split(name)
    path = File.join(ROOT, dir == '.' ? '' : dir, "_#{base}.html.liquid")
    raise Liquid::FileSystemError, "no partial #{name} (#{path})" unless File.file?(path)

    File.read(path)
  end
end

def url(path) = path

ENDPOINT = 'https://granite-3scale-apicast-production.apps.example.com:443'
KEY = '0123456789abcdef0123456789abcdef'

def service(name, system_name, endpoint, subscribed_apps)
  {
    'name' => name, 'system_name' => system_name, 'description' => "#{name} served with vLLM",
    'api_specs' => endpoint ? [{ 'api_product_production_public_base_url' => endpoint }] : [],
    'application_plans' => [{ 'id' => 11, 'name' => 'Free', 'approval_required?' => false,
                              'usage_limits' => [{ 'value' => 10, 'period' => 'minute',
                                                   'metric' => { 'system_name' => 'hits', 'name' => 'Hits' } }] },
                            { 'id' => 12, 'name' => 'Premium', 'approval_required?' => true, 'usage_limits' => [] }],
    'subscription' => subscribed_apps && { 'applications' => subscribed_apps },
    'subscribable?' => true, 'subscribe_url' => '/admin/service_contracts/new?service_id=1'
  }
end

GRANITE = service('Granite 3 8B Instruct', 'granite-3-8b-instruct', ENDPOINT, [])
NOMIC = service('Nomic Embed', 'nomic-embed-text-v1.5', nil, nil)
APP = {
  'id' => 7, 'name' => 'My notebook', 'description' => 'Testing', 'state' => 'live', 'pending?' => false,
  'user_key' => KEY, 'user_key_mode?' => true, 'keys' => [], 'url' => '/admin/applications/7',
  'edit_url' => '/admin/applications/7/edit', 'update_user_key_url' => '/admin/applications/7/user_key',
  'plan' => { 'name' => 'Standard' }, 'service' => GRANITE.dup, # a copy: plain hashes must not form a cycle
  'can' => { 'be_updated?' => true, 'regenerate_user_key?' => true }
}
GRANITE['subscription'] = { 'applications' => [APP] }

def globals(logged_in)
  g = {
    'provider' => { 'name' => 'ACME', 'services' => [GRANITE, NOMIC], 'support_email' => 'help@acme.example',
                    'signups_enabled?' => false },
    'urls' => { 'applications' => url('/admin/applications'), 'account_overview' => url('/admin/account'),
                'logout' => url('/logout'), 'login' => url('/login'), 'new_application' => url('/admin/applications/new'),
                'forgot_password' => url('/admin/account/password/new'), 'signup' => url('/signup') },
    'site' => { 'authentication_providers' => [{ 'kind' => 'keycloak', 'name' => 'Red Hat Single Sign-On',
                                                 'authorize_url' => 'https://sso.example/auth/realms/maas/protocol/openid-connect/auth?client_id=3scale' }] },
    'flash' => { 'messages' => [{ 'type' => 'info', 'text' => 'Signed in successfully' }] },
    'today' => { 'year' => 2026 },
    'content_of' => { 'stylesheets' => '', 'javascripts' => '' }
  }
  g['current_user'] = { 'username' => 'dev1', 'can' => { 'create_application?' => true } } if logged_in
  g
end

def render(file, assigns)
  source = File.read(File.join(ROOT, file))
  template = Liquid::Template.parse(source, error_mode: :strict)
  out = template.render!(assigns, strict_filters: true, registers: { file_system: PortalFileSystem.new })
  errors = template.errors
  raise "#{file}: #{errors.map(&:message).join('; ')}" unless errors.empty?

  out
end

failures = []
check = lambda do |what, ok|
  failures << what unless ok
  puts "#{ok ? 'ok  ' : 'FAIL'} #{what}"
end

pages = {
  'index.html.liquid' => globals(false),
  'models.html.liquid' => globals(true),
  'applications/index.html.liquid' => globals(true).merge('applications' => [APP], 'pagination' => {}),
  'applications/show.html.liquid' => globals(true).merge('application' => APP),
  'login/new.html.liquid' => globals(false)
}
outputs = {}
pages.each do |file, assigns|
  body = render(file, assigns)
  outputs[file] = render('l_main_layout.html.liquid', assigns.merge('content_for_layout' => body))
  check.call("#{file} renders in the layout", outputs[file].include?('</html>'))
  next unless ENV['PORTAL_PREVIEW_DIR'] # write previews: PORTAL_PREVIEW_DIR=/tmp/preview ruby ...

  out = File.join(ENV['PORTAL_PREVIEW_DIR'], file.sub('.liquid', ''))
  FileUtils.mkdir_p(File.dirname(out))
  File.write(out, outputs[file])
end

show = outputs['applications/show.html.liquid']
check.call('show: endpoint with /v1', show.include?("#{ENDPOINT}/v1"))
check.call('show: model name', show.include?('>granite-3-8b-instruct</code>'))
check.call('show: key', show.include?(">#{KEY}</code>"))
check.call('show: curl example', show.include?("curl -sS #{ENDPOINT}/v1/chat/completions") &&
                                  show.include?("Authorization: Bearer #{KEY}"))
check.call('show: requests example', show.include?("\"#{ENDPOINT}/v1/chat/completions\""))
check.call('show: OpenAI SDK example', show.include?("OpenAI(base_url=\"#{ENDPOINT}/v1\", api_key=\"#{KEY}\")"))
check.call('show: model in examples', show.include?('"model": "granite-3-8b-instruct"') && show.include?('model="granite-3-8b-instruct"'))
check.call('show: regenerate button', show.include?('/admin/applications/7/user_key'))
check.call('show: signed-in nav', show.include?('Sign out') && !show.include?('>Sign in</a>'))

models = outputs['models.html.liquid']
check.call('models: both models listed', models.include?('Granite 3 8B Instruct') && models.include?('Nomic Embed'))
check.call('models: endpoint of the product', models.include?(ENDPOINT))
check.call('models: new key link per plan', models.include?(
  '/admin/applications/new?service_id=granite-3-8b-instruct&amp;application%5Bplan_id%5D=12">Get a key for Granite 3 8B Instruct on Premium'))
check.call('models: plans with their limits', models.include?('10 requests/minute') && models.include?('no limits'))
check.call('models: subscribe link when not subscribed', models.include?('Subscribe to Nomic Embed'))

index = outputs['applications/index.html.liquid']
check.call('applications: row with model, endpoint and key', index.include?('granite-3-8b-instruct') &&
           index.include?("#{ENDPOINT}/v1") && index.include?(%(<code id="key-7" class="secret">#{KEY}</code>)))

login = outputs['login/new.html.liquid']
check.call('login: SSO button', login.include?('Sign in with Red Hat Single Sign-On') && login.include?('client_id=3scale'))
check.call('login: password form', login.include?('data-form="\'login\'"'))
check.call('home: signed-out nav', outputs['index.html.liquid'].include?('>Sign in</a>'))

if failures.empty?
  puts 'all portal templates render'
else
  warn "#{failures.size} check(s) failed"
  exit 1
end
