// Archive and replay: what PcapWriter writes, PcapReader reads back, IPv4 and IPv6.
#include "collect/pcap.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace rampart::collect {
namespace {

TEST(Pcap, DatagramsRoundTripWithTheirArrivalTimesAndAddresses) {
  const std::string path =
      ::testing::TempDir() + "/archive-" + std::to_string(::getpid()) + ".pcap";
  std::filesystem::remove(path);
  const std::vector<uint8_t> a = {0, 5, 1, 2, 3}, b(3000, 0xab);
  {
    auto w = PcapWriter::Open(path).value();
    Datagram d;
    d.arrival_us = 1'770'000'000'123'456;
    d.exporter = common::IpAddress::Parse("192.0.2.1").value();
    d.exporter_port = 40000;
    d.collector_port = 2055;
    d.payload = a;
    ASSERT_TRUE(w->Write(d, common::IpAddress::Parse("127.0.0.1").value()).has_value());
    d.exporter = common::IpAddress::Parse("2001:db8::1").value();
    d.payload = b;
    ASSERT_TRUE(w->Write(d, common::IpAddress::Parse("::1").value()).has_value());
  }
  {  // appending to an archive keeps one header
    auto w = PcapWriter::Open(path).value();
    Datagram d;
    d.arrival_us = 1'770'000'001'000'000;
    d.exporter = common::IpAddress::Parse("192.0.2.2").value();
    d.payload = a;
    ASSERT_TRUE(w->Write(d, common::IpAddress::Parse("127.0.0.1").value()).has_value());
  }
  auto r = PcapReader::Open(path).value();
  Datagram d;
  ASSERT_TRUE(r->Next(&d).value());
  EXPECT_EQ(d.arrival_us, 1'770'000'000'123'456);
  EXPECT_EQ(d.exporter.ToString(), "192.0.2.1");
  EXPECT_EQ(d.exporter_port, 40000);
  EXPECT_EQ(d.collector_port, 2055);
  EXPECT_EQ(std::vector<uint8_t>(d.payload.begin(), d.payload.end()), a);
  ASSERT_TRUE(r->Next(&d).value());
  EXPECT_EQ(d.exporter.ToString(), "2001:db8::1");
  EXPECT_EQ(d.payload.size(), 3000u);
  ASSERT_TRUE(r->Next(&d).value());
  EXPECT_EQ(d.exporter.ToString(), "192.0.2.2");
  EXPECT_FALSE(r->Next(&d).value());
  EXPECT_EQ(r->skipped(), 0u);

  // Not a pcap; a pcap cut short.
  const std::string bad = path + ".bad";
  FILE* f = std::fopen(bad.c_str(), "wb");
  std::fputs("hello, this is not a capture file", f);
  std::fclose(f);
  EXPECT_EQ(PcapReader::Open(bad).error().code, common::Code::kBadPcap);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 2);
  auto cut = PcapReader::Open(path).value();
  ASSERT_TRUE(cut->Next(&d).value());
  ASSERT_TRUE(cut->Next(&d).value());
  EXPECT_EQ(cut->Next(&d).error().code, common::Code::kBadPcap);
  std::filesystem::remove(path);
  std::filesystem::remove(bad);
}

}  // namespace
}  // namespace rampart::collect
