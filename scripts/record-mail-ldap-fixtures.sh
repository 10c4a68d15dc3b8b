#!/usr/bin/env bash
# Re-records test/fixtures/mail/*.pcap: real POP3, IMAP and LDAP sessions between Debian's Dovecot 2.3 and
# OpenLDAP slapd 2.5 (server side, namespace vmail-b 10.203.0.2) and curl / ldap-utils (client side, vmail-a
# 10.203.0.1), on a veth pair. The credentials are throwaway: user "test", password "not-a-secret" (a wrong
# password "wrong-password" for the failures). Idempotent: tears down its namespaces and servers on exit.
# Needs root, dovecot-pop3d, dovecot-imapd, slapd, ldap-utils, curl, openssl, tcpdump.
#
#   pop3.pcap      curl pop3:// : CAPA, AUTH PLAIN ok, LIST; AUTH LOGIN with a wrong password (-ERR); then USER,
#                  PASS wrong (-ERR), USER, PASS ok, sent by a line-by-line python client that waits for each reply
#                  (curl only uses USER/PASS when the server offers no SASL); curl --ssl-reqd: STLS then TLS
#   imap.pcap      curl imap:// : CAPABILITY, AUTHENTICATE PLAIN (SASL-IR) ok; the line client: LOGIN with a wrong
#                  password (NO), LOGIN with quoted strings ok; curl AUTH=LOGIN: AUTHENTICATE LOGIN ok;
#                  curl --ssl-reqd: STARTTLS then TLS
#   ldap.pcap      ldapwhoami -x : simple bind ok (0), simple bind with a wrong password (49); ldapsearch with a base
#                  DN; ldapwhoami -Y DIGEST-MD5 (a SASL bind); ldapwhoami -ZZ (StartTLS then TLS)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/test/fixtures/mail
A=vmail-a
B=vmail-b
IPA=10.203.0.1
IPB=10.203.0.2
USER_NAME=test
PASSWORD=not-a-secret
WRONG=wrong-password
WORK=$(mktemp -d /tmp/vmail-record.XXXXXX)
chmod 755 "$WORK"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$WORK/slapd.pid" ] && kill "$(cat "$WORK/slapd.pid")" 2>/dev/null || true
  [ -f "$WORK/run/master.pid" ] && kill "$(cat "$WORK/run/master.pid")" 2>/dev/null || true
  sleep 0.5
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

ip netns del "$A" 2>/dev/null || true
ip netns del "$B" 2>/dev/null || true
ip netns add "$A"
ip netns add "$B"
ip link add vmail-va type veth peer name vmail-vb
ip link set vmail-va netns "$A"
ip link set vmail-vb netns "$B"
ip -n "$A" addr add "$IPA/24" dev vmail-va
ip -n "$B" addr add "$IPB/24" dev vmail-vb
for ns in "$A" "$B"; do ip -n "$ns" link set lo up; done
ip -n "$A" link set vmail-va up
ip -n "$B" link set vmail-vb up
# No offloads: segments on the wire as the stack cut them, with valid checksums in the capture.
ip netns exec "$A" ethtool -K vmail-va tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec "$B" ethtool -K vmail-vb tx off rx off tso off gso off gro off >/dev/null 2>&1 || true

inA() { ip netns exec "$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }

# A throwaway self-signed certificate for STLS / STARTTLS / LDAP StartTLS.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mail.test" -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
chmod 644 "$WORK/key.pem" "$WORK/cert.pem"

# Dovecot: plaintext authentication allowed, one passwd-file user, mail as nobody in a temp maildir.
mkdir -p "$WORK/run" "$WORK/home/$USER_NAME/Maildir"/{cur,new,tmp}
printf 'From: a@test\r\nSubject: hi\r\n\r\nhello\r\n' >"$WORK/home/$USER_NAME/Maildir/new/1.test"
chown -R nobody:nogroup "$WORK/home"
echo "$USER_NAME:{PLAIN}$PASSWORD" >"$WORK/users"
cat >"$WORK/dovecot.conf" <<EOF
protocols = pop3 imap
listen = $IPB
base_dir = $WORK/run
state_dir = $WORK/run
log_path = $WORK/dovecot.log
ssl = yes
ssl_cert = <$WORK/cert.pem
ssl_key = <$WORK/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
login_greeting = Dovecot ready.
mail_location = maildir:~/Maildir
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN $WORK/users
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$WORK/home/%u
}
service imap-login {
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3s {
    port = 0
  }
}
EOF
inB dovecot -c "$WORK/dovecot.conf"

# slapd: one mdb database under dc=example,dc=org, its rootdn the test identity.
mkdir -p "$WORK/ldapdb"
cat >"$WORK/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
pidfile $WORK/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile $WORK/cert.pem
TLSCertificateKeyFile $WORK/key.pem
database mdb
suffix "dc=example,dc=org"
rootdn "cn=$USER_NAME,ou=people,dc=example,dc=org"
rootpw $PASSWORD
directory $WORK/ldapdb
EOF
inB slapd -f "$WORK/slapd.conf" -h "ldap://$IPB/" -u root
sleep 2

capture() { # name, then the command run in vmail-a
  local name=$1; shift
  inA tcpdump -q -i vmail-va -s 0 -U -w "$WORK/$name.pcap" 'tcp' >/dev/null 2>&1 &
  local cap=$!
  sleep 1
  inA "$@" || true
  sleep 1
  kill -TERM "$cap" 2>/dev/null || true; wait "$cap" 2>/dev/null || true
  cp "$WORK/$name.pcap" "$OUT/$name.pcap"
  echo "$name.pcap: $(stat -c %s "$OUT/$name.pcap") octets"
}

# Sends each argument after the first two as one command line, reading one reply line first and after each.
cat >"$WORK/line-client.py" <<'EOF'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
f = s.makefile("rb")
f.readline()
for c in sys.argv[3:]:
    s.sendall(c.encode() + b"\r\n")
    f.readline()
s.close()
EOF
mkdir -p "$OUT"
C="curl -s -S -o /dev/null --max-time 10"
capture pop3 bash -c "
  $C pop3://$IPB/ --user '$USER_NAME:$PASSWORD';
  $C pop3://$IPB/ --user '$USER_NAME:$WRONG' --login-options 'AUTH=LOGIN';
  python3 $WORK/line-client.py $IPB 110 'USER $USER_NAME' 'PASS $WRONG' 'USER $USER_NAME' 'PASS $PASSWORD' 'STAT' 'QUIT';
  $C pop3://$IPB/ --user '$USER_NAME:$PASSWORD' --ssl-reqd -k"
capture imap bash -c "
  $C imap://$IPB/ --user '$USER_NAME:$PASSWORD';
  python3 $WORK/line-client.py $IPB 143 'a1 LOGIN $USER_NAME $WRONG' 'a2 LOGIN \"$USER_NAME\" \"$PASSWORD\"' 'a3 LOGOUT';
  $C imap://$IPB/INBOX --user '$USER_NAME:$PASSWORD' --login-options 'AUTH=LOGIN';
  $C imap://$IPB/ --user '$USER_NAME:$PASSWORD' --ssl-reqd -k"
DN="cn=$USER_NAME,ou=people,dc=example,dc=org"
capture ldap bash -c "
  ldapwhoami -x -H ldap://$IPB/ -D '$DN' -w '$PASSWORD';
  ldapwhoami -x -H ldap://$IPB/ -D '$DN' -w '$WRONG';
  ldapsearch -x -H ldap://$IPB/ -D '$DN' -w '$PASSWORD' -b 'dc=example,dc=org' -s base '(objectClass=*)' 1.1;
  ldapwhoami -H ldap://$IPB/ -Y DIGEST-MD5 -U '$USER_NAME' -w '$PASSWORD';
  LDAPTLS_REQCERT=never ldapwhoami -x -ZZ -H ldap://$IPB/ -D '$DN' -w '$PASSWORD'"
echo "dovecot log:"; cat "$WORK/dovecot.log" | tail -20
ls -la "$OUT"
