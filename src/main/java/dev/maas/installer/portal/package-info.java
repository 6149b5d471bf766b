/**
 * Developer portal content: from a folder to the 3scale CMS, without any HTTP.
 *
 * <ol>
 * <li>{@link dev.maas.installer.portal.PortalTree#read(java.nio.file.Path)} turns a content folder into a
 * {@link dev.maas.installer.portal.DesiredPortal} (sections, layouts, partials, pages, builtin pages and partials,
 * files, each with the SHA-256 of its bytes) plus {@link dev.maas.installer.portal.PortalProblem}s naming bad files.</li>
 * <li>The API client reads the CMS into a {@link dev.maas.installer.portal.CmsState} (records shaped after the CMS API
 * list responses; files carry the SHA-256 of their downloaded bytes).</li>
 * <li>{@link dev.maas.installer.portal.PortalDiff#diff(DesiredPortal, CmsState)} gives the ordered
 * {@link dev.maas.installer.portal.PortalAction}s of a {@link dev.maas.installer.portal.PortalPlan} (nothing when
 * equal); {@link dev.maas.installer.portal.PortalPlan#dryRun()} renders them for a dry run.</li>
 * </ol>
 * Builtin page and partial names come from 3scale's sources: {@link dev.maas.installer.portal.BuiltinTemplates}.
 * See docs/portal-content.md.
 */
package dev.maas.installer.portal;
