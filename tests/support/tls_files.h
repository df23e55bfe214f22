// A fresh temp directory with a self-signed P-256 certificate for 127.0.0.1 (cert.pem, key.pem)
// and an unrelated key (other-key.pem), made with the OpenSSL API: no key is committed and no
// openssl binary is needed. The directory is removed with the object.
#pragma once

#include <string>

namespace subkeeper::testing {

class TlsFiles {
 public:
  TlsFiles();
  ~TlsFiles();
  TlsFiles(const TlsFiles&) = delete;
  TlsFiles& operator=(const TlsFiles&) = delete;

  std::string cert_path() const { return dir_ + "/cert.pem"; }
  std::string key_path() const { return dir_ + "/key.pem"; }
  std::string other_key_path() const { return dir_ + "/other-key.pem"; }

 private:
  std::string dir_;
};

}  // namespace subkeeper::testing
