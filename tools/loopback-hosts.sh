#!/usr/bin/env bash
# Starts N real OpenSSH servers on loopback addresses (127.0.0.2, 127.0.0.3, ...) as stand-in worker hosts, so the
# SSH worker mode can be tried (and benchmarked) on one machine. Each has its own host key and work folder; one
# client key is accepted by all. Needs root (sshd) and openssh-server.
#
#   tools/loopback-hosts.sh start N DIR   writes DIR/hosts.txt, DIR/known_hosts, DIR/client_ed25519
#   tools/loopback-hosts.sh stop DIR      stops them
#
# Then: blenderfarm render FILE.blend --workers ssh:DIR/hosts.txt --known-hosts DIR/known_hosts
set -euo pipefail

verb=${1:-}; shift || true
case "$verb" in
  start)
    count=${1:?count}; dir=$(realpath -m "${2:?folder}")
    mkdir -p "$dir" /run/sshd
    [ -f "$dir/client_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C blenderfarm-loopback -f "$dir/client_ed25519"
    : > "$dir/hosts.txt"; : > "$dir/known_hosts"
    for i in $(seq 1 "$count"); do
      host="$dir/host$i"; address="127.0.0.$((i + 1))"; port=$((22000 + i))
      mkdir -p "$host/work"
      [ -f "$host/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$host/ssh_host_ed25519_key"
      cp "$dir/client_ed25519.pub" "$host/authorized_keys"
      cat > "$host/sshd_config" <<CONFIG
ListenAddress $address:$port
HostKey $host/ssh_host_ed25519_key
PidFile $host/sshd.pid
AuthorizedKeysFile $host/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
MaxSessions 64
Subsystem sftp internal-sftp
LogLevel ERROR
CONFIG
      /usr/sbin/sshd -f "$host/sshd_config"
      echo "$(id -un)@$address:$port key=\"$dir/client_ed25519\" dir=\"$host/work\"" >> "$dir/hosts.txt"
      echo "[$address]:$port $(cut -d' ' -f1,2 "$host/ssh_host_ed25519_key.pub")" >> "$dir/known_hosts"
    done
    echo "started $count host(s): $dir/hosts.txt"
    ;;
  stop)
    dir=$(realpath -m "${1:?folder}")
    for pid in "$dir"/host*/sshd.pid; do [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true; done
    ;;
  *) echo "usage: tools/loopback-hosts.sh start N DIR | stop DIR" >&2; exit 2 ;;
esac
