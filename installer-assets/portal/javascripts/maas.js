/* Copy-to-clipboard for MaaS portal: <button data-copy-target="element-id">Copy</button> copies the text of that element. */
(function () {
  'use strict';

  var live = null;

  function liveRegion() {
    if (!live) {
      live = document.createElement('span');
      live.className = 'visually-hidden';
      live.setAttribute('role', 'status');
      live.setAttribute('aria-live', 'polite');
      document.body.appendChild(live);
    }
    return live;
  }

  function announce(button, text) {
    liveRegion().textContent = text;
    var original = button.getAttribute('data-label') || button.textContent;
    button.setAttribute('data-label', original);
    button.textContent = text;
    window.setTimeout(function () { button.textContent = original; }, 2000);
  }

  function fallbackCopy(text) {
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'absolute';
    area.style.left = '-9999px';
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  document.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest('[data-copy-target]') : null;
    if (!button) { return; }
    var target = document.getElementById(button.getAttribute('data-copy-target'));
    if (!target) { return; }
    var text = target.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { announce(button, 'Copied'); },
        function () { announce(button, fallbackCopy(text) ? 'Copied' : 'Press Ctrl+C'); });
    } else {
      announce(button, fallbackCopy(text) ? 'Copied' : 'Press Ctrl+C');
    }
  });
})();
