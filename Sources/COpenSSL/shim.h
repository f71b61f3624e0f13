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
#include <openssl/rand.h>
#include <arpa/inet.h>

// MARK: - SSL_CTX / SSL macro wrappers

static inline int relay_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline int relay_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

static inline int relay_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_groups_list(ctx, list);
}

static inline int relay_SSL_CTX_set1_sigalgs_list(SSL_CTX *ctx, const char *list) {
    return (int)SSL_CTX_set1_sigalgs_list(ctx, list);
}

/// Takes ownership of `x509` on success.
static inline int relay_SSL_CTX_add0_chain_cert(SSL_CTX *ctx, X509 *x509) {
    return (int)SSL_CTX_add0_chain_cert(ctx, x509);
}

static inline long relay_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}

static inline void relay_SSL_CTX_set_read_ahead(SSL_CTX *ctx, int yes) {
    SSL_CTX_set_read_ahead(ctx, yes);
}

static inline long relay_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

static inline long relay_SSL_MODE_RELEASE_BUFFERS(void) {
    return SSL_MODE_RELEASE_BUFFERS;
}

static inline int relay_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

static inline int relay_SSL_get_negotiated_group(SSL *ssl) {
    return (int)SSL_get_negotiated_group(ssl);
}

static inline int relay_SSL_set_app_data(SSL *ssl, void *arg) {
    return SSL_set_app_data(ssl, arg);
}

static inline void *relay_SSL_get_app_data(const SSL *ssl) {
    return SSL_get_app_data(ssl);
}

// MARK: - Option and flag constants (composite macros)

static inline uint64_t relay_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
static inline uint64_t relay_SSL_OP_NO_TICKET(void) { return SSL_OP_NO_TICKET; }
static inline uint64_t relay_SSL_OP_NO_COMPRESSION(void) { return SSL_OP_NO_COMPRESSION; }
static inline uint64_t relay_SSL_OP_CIPHER_SERVER_PREFERENCE(void) { return SSL_OP_CIPHER_SERVER_PREFERENCE; }
static inline uint64_t relay_SSL_OP_IGNORE_UNEXPECTED_EOF(void) { return SSL_OP_IGNORE_UNEXPECTED_EOF; }
static inline unsigned long relay_XN_FLAG_RFC2253(void) { return XN_FLAG_RFC2253; }

// MARK: - Error queue

static inline int relay_ERR_GET_LIB(unsigned long err) { return ERR_GET_LIB(err); }
static inline int relay_ERR_GET_REASON(unsigned long err) { return ERR_GET_REASON(err); }
static inline int relay_ERR_LIB_SSL(void) { return ERR_LIB_SSL; }
static inline int relay_SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE(void) { return SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE; }
static inline int relay_SSL_R_CERTIFICATE_VERIFY_FAILED(void) { return SSL_R_CERTIFICATE_VERIFY_FAILED; }
static inline int relay_SSL_R_UNEXPECTED_EOF_WHILE_READING(void) { return SSL_R_UNEXPECTED_EOF_WHILE_READING; }

// MARK: - BIO helpers

static inline long relay_BIO_get_mem_data(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

static inline void relay_BIO_set_retry_read(BIO *bio) { BIO_set_retry_read(bio); }
static inline void relay_BIO_clear_retry_flags(BIO *bio) { BIO_clear_retry_flags(bio); }
static inline int relay_BIO_CTRL_FLUSH(void) { return BIO_CTRL_FLUSH; }
static inline int relay_BIO_CTRL_PENDING(void) { return BIO_CTRL_PENDING; }
static inline int relay_BIO_CTRL_WPENDING(void) { return BIO_CTRL_WPENDING; }
static inline int relay_BIO_CTRL_EOF(void) { return BIO_CTRL_EOF; }
static inline int relay_BIO_CTRL_GET_CLOSE(void) { return BIO_CTRL_GET_CLOSE; }
static inline int relay_BIO_CTRL_SET_CLOSE(void) { return BIO_CTRL_SET_CLOSE; }

// MARK: - Stack accessors

static inline int relay_sk_GENERAL_NAME_num(const GENERAL_NAMES *names) {
    return sk_GENERAL_NAME_num(names);
}

static inline const GENERAL_NAME *relay_sk_GENERAL_NAME_value(const GENERAL_NAMES *names, int i) {
    return sk_GENERAL_NAME_value(names, i);
}

static inline void relay_GENERAL_NAMES_free(GENERAL_NAMES *names) {
    GENERAL_NAMES_free(names);
}

/// The GEN_* type of a general name.
static inline int relay_GENERAL_NAME_type(const GENERAL_NAME *name) { return name->type; }

/// The string payload of a DNS, URI, email or IP general name (NULL for other types).
static inline const ASN1_STRING *relay_GENERAL_NAME_string(const GENERAL_NAME *name) {
    switch (name->type) {
    case GEN_DNS: return name->d.dNSName;
    case GEN_URI: return name->d.uniformResourceIdentifier;
    case GEN_EMAIL: return name->d.rfc822Name;
    case GEN_IPADD: return name->d.iPAddress;
    default: return NULL;
    }
}

static inline GENERAL_NAMES *relay_X509_get_subject_alt_names(const X509 *cert) {
    return (GENERAL_NAMES *)X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
}

static inline void relay_OPENSSL_free(void *ptr) { OPENSSL_free(ptr); }

#endif
