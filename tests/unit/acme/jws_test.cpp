// Tests for acme/jws against the RFC test vectors: base64url (RFC 4648, 7515 A.1), the JWK
// thumbprint (RFC 7638 3.1), ES256 in the raw r||s form (RFC 7515 A.3), and flattened JWS.
#include "proxy/acme/jws.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>

#include <boost/json/parse.hpp>

#include "proxy/acme/keys.hpp"

namespace portico::acme {
namespace {

std::string decoded(std::string_view text) {
  std::string out;
  EXPECT_TRUE(base64url_decode(text, out)) << text;
  return out;
}

// The public P-256 key with affine coordinates x, y (base64url).
tls::PkeyPtr public_key(std::string_view x64, std::string_view y64) {
  const std::string point = "\x04" + decoded(x64) + decoded(y64);
  OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(build, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(build, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(build);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  EVP_PKEY_fromdata_init(ctx);
  EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(build);
  return tls::PkeyPtr(key);
}

// Verifies a raw r||s ES256 signature (converted to DER for OpenSSL).
bool verify_raw(EVP_PKEY* key, std::string_view input, std::string_view raw) {
  if (raw.size() != 64) return false;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_length = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx, der, static_cast<std::size_t>(der_length),
                                   reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  return ok;
}

TEST(Base64url, Rfc4648VectorsWithoutPadding) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(base64url(plain), encoded);
    EXPECT_EQ(decoded(encoded), plain);
  }
}

TEST(Base64url, UrlAlphabetAndTheRfc7515Header) {
  EXPECT_EQ(base64url("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}"), "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9");
  EXPECT_EQ(base64url("\xfb\xff\xbf"), "-_-_");
  std::string out;
  EXPECT_FALSE(base64url_decode("ab+c", out));
  EXPECT_FALSE(base64url_decode("abc=", out));
  EXPECT_FALSE(base64url_decode("a", out));
}

TEST(JwkThumbprint, Rfc7638Example) {
  const std::string jwk =
      R"({"e":"AQAB","kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"})";
  EXPECT_EQ(jwk_thumbprint(jwk), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

TEST(Jwk, P256KeyInCanonicalMemberOrder) {
  tls::PkeyPtr key = public_key("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
  ASSERT_TRUE(key);
  EXPECT_EQ(jwk_json(key.get()),
            R"({"crv":"P-256","kty":"EC","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})");
  EXPECT_EQ(key_authorization("tok", key.get()), "tok." + jwk_thumbprint(jwk_json(key.get())));
}

TEST(Es256, Rfc7515ExampleSignatureIsRawRAndS) {
  tls::PkeyPtr key = public_key("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0");
  const std::string input =
      "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
  const std::string signature =
      decoded("DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q");
  EXPECT_TRUE(verify_raw(key.get(), input, signature));
  EXPECT_FALSE(verify_raw(key.get(), input + "x", signature));
}

TEST(Es256, SignaturesAre64BytesAndVerify) {
  tls::PkeyPtr key = generate_p256_key();
  ASSERT_TRUE(key);
  for (int i = 0; i < 20; ++i) {  // r or s with leading zero bytes must still be 32 bytes each
    const std::string input = "input " + std::to_string(i);
    const std::string signature = sign_es256(key.get(), input);
    ASSERT_EQ(signature.size(), 64u);
    EXPECT_TRUE(verify_raw(key.get(), input, signature));
  }
}

TEST(FlattenedJws, CarriesProtectedPayloadAndAVerifyingSignature) {
  tls::PkeyPtr key = generate_p256_key();
  const std::string header = R"({"alg":"ES256","nonce":"n","url":"https://a/b"})";
  const std::string jws = flattened_jws(key.get(), header, R"({"x":1})");
  const auto object = boost::json::parse(jws).as_object();
  const std::string protected64(object.at("protected").as_string());
  const std::string payload64(object.at("payload").as_string());
  EXPECT_EQ(decoded(protected64), header);
  EXPECT_EQ(decoded(payload64), R"({"x":1})");
  EXPECT_TRUE(verify_raw(key.get(), protected64 + "." + payload64, decoded(object.at("signature").as_string())));
  // POST-as-GET: an empty payload.
  const auto as_get = boost::json::parse(flattened_jws(key.get(), header, "")).as_object();
  EXPECT_EQ(as_get.at("payload").as_string(), "");
}

}  // namespace
}  // namespace portico::acme
