#!/usr/bin/env bash
# Install (when root and missing) and start what the test suite needs: MariaDB, Redis and
# Chromium (the browser tests drive it through Playwright).
# Idempotent: installed packages are skipped, a running server is left alone.
set -euo pipefail

APT_PACKAGES=(python3-venv gettext mariadb-server redis-server php-cli php-mysql php-xml php-curl php-mbstring php-gd wordpress wordpress-theme-twentytwentythree phpunit docker-compose chromium)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "test-services: please install ${missing[*]} (apt-get install -y ${missing[*]}) or run as root" >&2
    exit 1
  fi
  echo "test-services: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# MariaDB: there is no systemd here, so start the daemon directly when it is not answering.
if ! mariadb-admin --protocol=socket ping >/dev/null 2>&1; then
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
  start-stop-daemon --start --background --oknodo --exec /usr/sbin/mariadbd -- --user=mysql \
    --bind-address=127.0.0.1
  for _ in $(seq 1 60); do
    mariadb-admin --protocol=socket ping >/dev/null 2>&1 && break
    sleep 0.5
  done
  mariadb-admin --protocol=socket ping >/dev/null
fi
mariadb -e "CREATE DATABASE IF NOT EXISTS labelart_test CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
echo "test-services: MariaDB $(mariadb -N -e 'SELECT VERSION()') ready"
