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

}  // namespace
}  // namespace rampart::common
