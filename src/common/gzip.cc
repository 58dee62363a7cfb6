#include "common/gzip.h"

#include <zlib.h>

namespace rampart::common {

Result<std::string> Gunzip(std::string_view compressed, size_t max_size) {
  z_stream z{};
  // 15 window bits + 32: accept gzip and zlib headers alike.
  if (inflateInit2(&z, 15 + 32) != Z_OK)
    return Fail(common::Code::kInvalidGzip, "cannot start inflating");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buf[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      return Fail(common::Code::kInvalidGzip, "the body is not valid gzip (or is truncated)");
    }
    // Checked before appending, so the inflated text never holds more than `max_size`: a
    // bomb costs at most that much memory, however far it would inflate.
    const size_t produced = sizeof buf - z.avail_out;
    if (produced > max_size - out.size()) {
      inflateEnd(&z);
      return Fail(common::Code::kPayloadTooLarge,
                  "the inflated body is over " + std::to_string(max_size >> 20) + " MiB");
    }
    out.append(buf, produced);
    if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      return Fail(common::Code::kInvalidGzip, "the gzip stream is truncated");
    }
  }
  inflateEnd(&z);
  return out;
}

std::string Gzip(std::string_view data) {
  z_stream z{};
  // 15 window bits + 16: a gzip header rather than zlib's.
  deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);  // the bound guarantees one call finishes
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace rampart::common
