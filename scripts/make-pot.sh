#!/usr/bin/env bash
# Regenerate wordpress-plugin/languages/label-art.pot from the plugin's PHP (GNU xgettext, Debian's
# gettext package; WordPress's own `wp i18n make-pot` needs wp-cli, which Debian does not ship).
# Usage: scripts/make-pot.sh [OUTPUT]   (default: the plugin's languages/label-art.pot)
set -euo pipefail
cd "$(dirname "$0")/../wordpress-plugin"
out=${1:-languages/label-art.pot}
command -v xgettext >/dev/null || { echo "xgettext is missing: apt-get install gettext" >&2; exit 1; }
version=$(sed -n 's/^ \* Version: *//p' label-art.php | head -1)
find . -name '*.php' -not -path './tests/*' | LC_ALL=C sort | xgettext --files-from=- \
  --language=PHP --from-code=UTF-8 --sort-by-file --add-comments=translators \
  --package-name="Label.Art" --package-version="${version:-0}" --msgid-bugs-address=none \
  --keyword=__ --keyword=_e --keyword=esc_html__ --keyword=esc_html_e --keyword=esc_attr__ --keyword=esc_attr_e \
  --keyword=_x:1,2c --keyword=_ex:1,2c --keyword=esc_html_x:1,2c --keyword=esc_attr_x:1,2c \
  --keyword=_n:1,2 --keyword=_nx:1,2,4c --keyword=_n_noop:1,2 --keyword=_nx_noop:1,2,3c \
  -o - > "$out.body"
{
  printf '# Translation template for Label.Art (text domain label-art).\n'
  printf '# Regenerate with scripts/make-pot.sh; tests/wordpress/test_translations.py checks it is current.\n'
  printf 'msgid ""\nmsgstr ""\n'
  printf '"Project-Id-Version: Label.Art %s\\n"\n' "${version:-0}"
  printf '"MIME-Version: 1.0\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Content-Transfer-Encoding: 8bit\\n"\n'
  printf '"X-Domain: label-art\\n"\n\n'
  # xgettext's own header (placeholders, a creation date that would make every run differ) goes.
  sed '1,/^$/d' "$out.body"
} > "$out"
rm -f "$out.body"
echo "wrote $out ($(grep -c '^msgid "' "$out") strings)"
