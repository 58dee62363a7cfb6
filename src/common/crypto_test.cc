#include "common/crypto.h"

#include <gtest/gtest.h>

#include <set>

namespace rampart::common {
namespace {

TEST(Crypto, Sha256OfKnownInputs) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Crypto, HmacSha256OfRfc4231Case2) {
  EXPECT_EQ(HmacSha256Hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Crypto, IdsAreRandomAndShaped) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(NewId("ord"));
  EXPECT_EQ(ids.size(), 1000u);
  EXPECT_EQ(ids.begin()->size(), 4u + 16u);
  EXPECT_EQ(RandomHex(32).size(), 64u);
}

TEST(Crypto, Base64OfRfc4648Vectors) {
  const std::pair<std::string, std::string> cases[] = {{"", ""},
                                                       {"f", "Zg=="},
                                                       {"fo", "Zm8="},
                                                       {"foo", "Zm9v"},
                                                       {"foob", "Zm9vYg=="},
                                                       {"fooba", "Zm9vYmE="},
                                                       {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, text] : cases) {
    EXPECT_EQ(Base64Encode(plain), text);
    EXPECT_EQ(Base64Decode(text), plain) << text;
  }
  const std::string binary("\0\xff\x10", 3);
  EXPECT_EQ(Base64Decode(Base64Encode(binary)), binary);
  for (const char* bad : {"Zg=", "Zm9v!A==", "Zm 9", "Zg==Zg=="}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

TEST(Crypto, HmacSha256Base64OfRfc4231Case2) {
  EXPECT_EQ(HmacSha256Base64("Jefe", "what do ya want for nothing?"),
            "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM=");
}

TEST(Crypto, SealedTextOpensOnlyUnderItsKeyAndUnaltered) {
  const std::string key(32, 'k'), other(32, 'o');
  const std::string sealed = Seal(key, "whsec_secret");
  EXPECT_EQ(sealed.rfind("v1.", 0), 0u);
  EXPECT_EQ(sealed.find("whsec_secret"), std::string::npos);
  EXPECT_EQ(Open(key, sealed), "whsec_secret");
  EXPECT_NE(Seal(key, "whsec_secret"), sealed);  // a fresh nonce each time
  EXPECT_FALSE(Open(other, sealed).has_value());
  std::string altered = sealed;
  altered[10] = altered[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(Open(key, altered).has_value());
  EXPECT_FALSE(Open(key, "whsec_in_clear").has_value());
  EXPECT_EQ(Open(key, Seal(key, "")), "");
}

}  // namespace
}  // namespace rampart::common
