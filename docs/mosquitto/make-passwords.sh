#!/bin/sh
# Create or update the broker's password file and each room's agent password file.
#
#   ./make-passwords.sh /etc/mosquitto/hnth.passwd /srv/hnth/agent-secrets < rooms.txt
#
# rooms.txt has one account per line: `<username> <password>`. A contract v2 room's username
# is `<province>/<room>` (e.g. son-la/xa-chieng-son); `central` and v1 rooms (a bare room slug)
# have no slash. The broker file holds only salted hashes (mosquitto_passwd -b); each agent
# gets `<dir>/<username>.password` (mode 600; v2 rooms in one folder per province) to copy to
# that room's PC as
# /etc/hnth-agent/mqtt.password and name in [mqtt] password_file. Passwords never go
# into config.toml. Tested by tests/mqtt/test_security.py.
set -eu
passwd_file=$1
secrets_dir=$2
umask 077
mkdir -p "$secrets_dir"
[ -f "$passwd_file" ] || : > "$passwd_file"
while read -r user password; do
    [ -n "$user" ] || continue
    # A slug, or province/room: two slugs, so a name can never widen an ACL pattern.
    if ! printf '%s\n' "$user" | grep -Eqx '[a-z0-9][a-z0-9_-]{0,63}(/[a-z0-9][a-z0-9_-]{0,63})?'; then
        echo "bad username (a slug, or province/room): $user" >&2; exit 2
    fi
    mosquitto_passwd -b "$passwd_file" "$user" "$password"
    mkdir -p "$secrets_dir/$(dirname "$user")"
    printf '%s\n' "$password" > "$secrets_dir/$user.password"
done
# mosquitto reads the file after dropping root to the mosquitto user.
chown mosquitto: "$passwd_file" 2>/dev/null || chmod 644 "$passwd_file"
