// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// unique_ptr types for the OpenSSL objects our TLS code owns (rpc/tls.cpp,
// node::probe_tls).
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>

namespace lightning::rpc {

/// A unique_ptr deleter calling OpenSSL's `Free` (its result, where it has
/// one, is of no use when freeing).
template <auto Free>
struct OpenSslFree {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};

using BioPtr = std::unique_ptr<BIO, OpenSslFree<BIO_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslFree<X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslFree<EVP_PKEY_free>>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, OpenSslFree<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, OpenSslFree<SSL_free>>;

}  // namespace lightning::rpc
