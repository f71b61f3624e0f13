#!/usr/bin/env bash
# Generates the demo mesh's CA and the two workload certificates (SPIFFE URI SANs), as
# Istio's CA would issue them. Keys are made at run time and never committed.
#   usage: gen-certs.sh <output-dir>
set -euo pipefail
out=${1:?usage: gen-certs.sh <output-dir>}
mkdir -p "$out"
cd "$out"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/O=cluster.local/CN=Relay demo mesh CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout ca.key -out ca.crt 2>/dev/null

issue() {
  local name=$1 spiffe=$2
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/O=cluster.local" \
    -keyout "$name.key" -out "$name.csr" 2>/dev/null
  cat > "$name.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=URI:$spiffe
EXT
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

issue ratings-v2 spiffe://cluster.local/ns/default/sa/bookinfo-ratings-v2
issue mongodb spiffe://cluster.local/ns/default/sa/default
echo "certificates in $out: ca.crt ratings-v2.{crt,key} mongodb.{crt,key}"
