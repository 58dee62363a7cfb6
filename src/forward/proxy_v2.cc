#include "forward/proxy_v2.h"

#include <cstring>

namespace rampart::forward {

size_t WriteProxyV2(bool udp, const common::IpAddress& client, uint16_t client_port,
                    const common::IpAddress& frontend, uint16_t frontend_port,
                    std::array<uint8_t, kProxyV2MaxSize>& out) {
  static constexpr uint8_t kSignature[12] = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                             0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
  std::memcpy(out.data(), kSignature, sizeof kSignature);
  out[12] = 0x21;  // version 2, PROXY
  const bool v4 = client.is_v4() && frontend.is_v4();
  out[13] = static_cast<uint8_t>((v4 ? 0x10 : 0x20) | (udp ? 0x02 : 0x01));
  const size_t address_len = v4 ? 12 : 36;
  out[14] = 0;
  out[15] = static_cast<uint8_t>(address_len);
  uint8_t* p = out.data() + 16;
  const size_t n = v4 ? 4 : 16;
  std::memcpy(p, client.bytes().data() + 16 - n, n);
  std::memcpy(p + n, frontend.bytes().data() + 16 - n, n);
  p += 2 * n;
  p[0] = static_cast<uint8_t>(client_port >> 8);
  p[1] = static_cast<uint8_t>(client_port);
  p[2] = static_cast<uint8_t>(frontend_port >> 8);
  p[3] = static_cast<uint8_t>(frontend_port);
  return 16 + address_len;
}

}  // namespace rampart::forward
