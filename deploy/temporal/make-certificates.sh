#!/bin/sh
# One-shot, before the first `docker-compose up`: the certificates for mutual TLS between
# Temporal and everything that talks to it. Run from the repository root:
#
#     sh deploy/temporal/make-certificates.sh            # writes deploy/temporal/certs/
#
# It makes a private certificate authority, then one certificate for the Temporal server
# (frontend and internode, name "temporal") and one per client: "dutyflow" (worker and API),
# "temporal-ui" (the Web UI) and "temporal-admin" (schema and namespace set-up). Temporal accepts
# only clients whose certificate this CA signed, so a process that merely reaches port 7233
# cannot connect. Each service mounts only its own directory; nothing mounts ca/, whose key you
# should move offline once the certificates are made (keep it to make new ones, e.g. yearly).
# It refuses to overwrite existing certificates: delete deploy/temporal/certs/ to start again.
set -eu
OUT="${1:-deploy/temporal/certs}"
DAYS="${CERT_DAYS:-397}"
if [ -e "$OUT/ca/ca.pem" ]; then
  echo "certificates exist in $OUT; remove it to make new ones" >&2
  exit 1
fi
umask 077
mkdir -p "$OUT/ca"
openssl req -x509 -newkey rsa:4096 -sha256 -nodes -days "$DAYS" -subj "/CN=Dutyflow Temporal CA" \
  -keyout "$OUT/ca/ca.key" -out "$OUT/ca/ca.pem" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

issue() {  # name, extended key usage, subjectAltName
  dir="$OUT/$1"
  mkdir -p "$dir"
  openssl req -newkey rsa:2048 -sha256 -nodes -subj "/CN=$1" -keyout "$dir/$1.key" -out "$dir/$1.csr"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\nsubjectAltName=%s\n' \
    "$2" "$3" > "$dir/extensions.cnf"
  openssl x509 -req -sha256 -days "$DAYS" -in "$dir/$1.csr" -CA "$OUT/ca/ca.pem" \
    -CAkey "$OUT/ca/ca.key" -CAcreateserial -out "$dir/$1.pem" -extfile "$dir/extensions.cnf"
  cp "$OUT/ca/ca.pem" "$dir/ca.pem"
  rm "$dir/$1.csr" "$dir/extensions.cnf"
}

# The server presents its certificate to clients and, between its own services, as a client.
issue temporal "serverAuth,clientAuth" "DNS:temporal,DNS:localhost"
issue dutyflow clientAuth "DNS:dutyflow"
issue temporal-ui clientAuth "DNS:temporal-ui"
issue temporal-admin clientAuth "DNS:temporal-admin"
# The containers run as their own users, so each mounted directory is readable inside its
# container; on the host, only the owner can enter the directory above them.
chmod 0700 "$OUT"
chmod 0755 "$OUT"/temporal "$OUT"/temporal-ui "$OUT"/temporal-admin "$OUT"/dutyflow
chmod 0644 "$OUT"/temporal*/* "$OUT"/dutyflow/*
echo "certificates written to $OUT (move $OUT/ca/ca.key offline)"
