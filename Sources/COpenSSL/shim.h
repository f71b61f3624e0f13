#ifndef RELAY_COPENSSL_SHIM_H
#define RELAY_COPENSSL_SHIM_H
// OpenSSL from the system (libssl-dev). Function-like macros do not import into Swift,
// so each one the TLS module needs gets a small prefixed static-inline wrapper here.
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/bio.h>
#include <openssl/evp.h>

#endif
