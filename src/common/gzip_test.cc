#include "common/gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace rampart::common {
namespace {

std::string Gzip(const std::string& text) {
  z_stream z{};
  deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

TEST(Gunzip, RoundTripsAndRefusesBadStreams) {
  const std::string text(100000, 'x');
  EXPECT_EQ(Gunzip(Gzip(text), 1 << 20).value(), text);
  const std::string gz = Gzip("hello");
  EXPECT_EQ(Gunzip(gz.substr(0, gz.size() - 5), 1 << 20).error().code, "invalid_gzip");
  EXPECT_EQ(Gunzip("not gzip at all", 1 << 20).error().code, "invalid_gzip");
  EXPECT_EQ(Gunzip(Gzip(std::string(2 << 20, 'a')), 1 << 20).error().code, "payload_too_large");
}

}  // namespace
}  // namespace rampart::common
