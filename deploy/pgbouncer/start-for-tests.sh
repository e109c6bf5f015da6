#!/bin/sh
# Start a throw-away PgBouncer (transaction mode) on 127.0.0.1:$PGBOUNCER_PORT
# in front of the local PostgreSQL, for `make test-pooled`. Prints its
# directory; stop it with `kill $(cat <dir>/pgbouncer.pid)`.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
port=${PGBOUNCER_PORT:-6432}
dir=$(mktemp -d /tmp/civicideas-pgbouncer.XXXXXX)
sed -e "s/^listen_port = .*/listen_port = $port/" \
    -e "s#^auth_file = .*#auth_file = $dir/userlist.txt#" "$here/pgbouncer.ini" > "$dir/pgbouncer.ini"
printf 'logfile = %s/pgbouncer.log\npidfile = %s/pgbouncer.pid\n' "$dir" "$dir" >> "$dir/pgbouncer.ini"
printf '"civicideas" ""\n"postgres" ""\n' > "$dir/userlist.txt"
# PgBouncer refuses to run as root; it switches to the postgres user then.
if [ "$(id -u)" = 0 ]; then
    chown -R postgres "$dir"
    pgbouncer -d -u postgres "$dir/pgbouncer.ini"
else
    pgbouncer -d "$dir/pgbouncer.ini"
fi
for _ in 1 2 3 4 5 6 7 8 9 10; do
    [ -s "$dir/pgbouncer.pid" ] && break
    sleep 0.5
done
echo "$dir"
