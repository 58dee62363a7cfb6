// sFlow v5 datagrams built byte by byte from sflow.org's "sFlow Version 5" structures, decoded.
#include "collect/sflow_decoder.h"

#include <gtest/gtest.h>

#include "collect/wire_builder.h"

namespace rampart::collect {
namespace {

using Wire = WireBuilder;

const common::IpAddress kExporter = common::IpAddress::Parse("192.0.2.1").value();
constexpr int64_t kArrival = 1'764'115'200'500;

// A datagram header from an IPv4 agent with `samples` samples following.
Wire Header(uint32_t samples, uint32_t sequence = 1) {
  Wire w;
  w.u32(5).u32(1).ip4(192, 0, 2, 1).u32(0).u32(sequence).u32(123'456).u32(samples);
  return w;
}

// An IPv4 packet's first bytes: 20-byte header, then a transport header of 20 bytes.
Wire Ipv4Packet(uint16_t total, uint8_t protocol, uint8_t dst_last, uint16_t frag = 0) {
  Wire w;
  w.u8(0x45).u8(0).u16(total).u16(0).u16(frag).u8(64).u8(protocol).u16(0);
  w.ip4(198, 51, 100, 9).ip4(203, 0, 113, dst_last);
  w.u16(40000).u16(443).u32(0).u32(0).u8(0x50).u8(0x02).u16(0).u32(0);  // TCP SYN
  return w;
}

// A raw packet header record (format 1) holding `header`, padded to 4 bytes.
Wire RawHeader(uint32_t protocol, uint32_t frame_length, const Wire& header,
               uint32_t stripped = 4) {
  Wire body;
  body.u32(protocol).u32(frame_length).u32(stripped).u32(static_cast<uint32_t>(header.size()));
  body.raw(header);
  while (body.size() % 4 != 0) body.u8(0);
  Wire w;
  w.u32(1).u32(static_cast<uint32_t>(body.size())).raw(body);
  return w;
}

// A flow sample (format 1) with the records given.
Wire FlowSample(uint32_t sequence, uint32_t rate, std::initializer_list<Wire> records,
                uint32_t drops = 0) {
  Wire body;
  body.u32(sequence).u32(3).u32(rate).u32(sequence * rate).u32(drops).u32(3).u32(7);
  body.u32(static_cast<uint32_t>(records.size()));
  for (const auto& r : records) body.raw(r);
  Wire w;
  w.u32(1).u32(static_cast<uint32_t>(body.size())).raw(body);
  return w;
}

// An extended switch record (1001), which carries no packet: skipped.
Wire ExtendedSwitch() {
  Wire w;
  w.u32(1001).u32(16).u32(10).u32(0).u32(20).u32(0);
  return w;
}

TEST(SflowDecoder, RecognisesVersion5ButNotNetflow) {
  EXPECT_TRUE(SflowDecoder::Recognises(Header(0).b));
  const std::vector<uint8_t> v5{0, 5, 0, 1};
  const std::vector<uint8_t> ipfix{0, 10, 0, 40};
  EXPECT_FALSE(SflowDecoder::Recognises(v5));
  EXPECT_FALSE(SflowDecoder::Recognises(ipfix));
}

TEST(SflowDecoder, RawIpv4HeaderGivesTheIpLengthTheRateAndTheArrivalTime) {
  Wire d = Header(1);
  d.raw(FlowSample(1, 512, {ExtendedSwitch(), RawHeader(11, 1504, Ipv4Packet(1500, 6, 7))}));
  SflowDecoder decoder;
  std::vector<FlowRecord> out;
  ASSERT_FALSE(decoder.Decode(d.b, kExporter, kArrival, out).has_value());
  ASSERT_EQ(out.size(), 1u);
  const FlowRecord& r = out[0];
  EXPECT_EQ(r.src.ToString(), "198.51.100.9");
  EXPECT_EQ(r.dst.ToString(), "203.0.113.7");
  EXPECT_EQ(r.protocol, 6);
  EXPECT_EQ(r.src_port, 40000);
  EXPECT_EQ(r.dst_port, 443);
  EXPECT_EQ(r.tcp_flags, 0x02);
  EXPECT_EQ(r.bytes, 1500u);  // the IP length, not the frame's 1,504 with its FCS
  EXPECT_EQ(r.packets, 1u);
  EXPECT_EQ(r.sampling, 512u);
  EXPECT_EQ(r.start_ms, kArrival);
  EXPECT_EQ(r.end_ms, kArrival);
  EXPECT_FALSE(r.forwarding_status.has_value());
}

TEST(SflowDecoder, EthernetWithVlanTagsAndIpv6ExtensionHeaders) {
  // Ethernet, 802.1ad + 802.1Q tags, IPv6 with a hop-by-hop header, then UDP.
  Wire frame;
  frame.u32(0).u16(0).u32(0).u16(0).u16(0x88a8).u16(100).u16(0x8100).u16(200).u16(0x86dd);
  frame.u32(0x60000000).u16(8 + 8 + 100).u8(0).u8(64);  // payload: hop-by-hop 8 + UDP 108
  frame.u64(0x20010db800000000).u64(1).u64(0x20010db800000000).u64(0x53);
  frame.u8(17).u8(0).u16(0).u32(0);  // hop-by-hop: next UDP, 8 bytes
  frame.u16(5353).u16(53).u16(108).u16(0);
  Wire d = Header(1);
  d.raw(FlowSample(1, 1, {RawHeader(1, 14 + 8 + 40 + 116 + 4, frame)}));
  SflowDecoder decoder;
  std::vector<FlowRecord> out;
  ASSERT_FALSE(decoder.Decode(d.b, kExporter, kArrival, out).has_value());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dst.ToString(), "2001:db8::53");
  EXPECT_EQ(out[0].protocol, 17);
  EXPECT_EQ(out[0].src_port, 5353);
  EXPECT_EQ(out[0].dst_port, 53);
  EXPECT_EQ(out[0].bytes, 40u + 116u);
}

TEST(SflowDecoder, ExpandedSamplesSampledIpRecordsAndMplsLabels) {
  Wire expanded_body;
  expanded_body.u32(9).u32(0).u32(4).u32(2048).u32(9 * 2048).u32(0).u32(0).u32(3).u32(0).u32(7);
  expanded_body.u32(1);
  Wire sampled_ipv4;  // record 3: length, protocol, src, dst, ports, flags, tos
  sampled_ipv4.u32(3).u32(32).u32(900).u32(17).ip4(198, 51, 100, 1).ip4(203, 0, 113, 9);
  sampled_ipv4.u32(123).u32(53).u32(0).u32(0);
  expanded_body.raw(sampled_ipv4);
  Wire expanded;
  expanded.u32(3).u32(static_cast<uint32_t>(expanded_body.size())).raw(expanded_body);

  Wire mpls;  // Ethernet, two MPLS labels (the second the bottom), IPv4
  mpls.u32(0).u32(0).u32(0).u16(0x8847).u32(0x00010000).u32(0x00020100);
  mpls.raw(Ipv4Packet(60, 6, 10));

  Wire d = Header(2);
  d.raw(expanded).raw(FlowSample(1, 100, {RawHeader(1, 14 + 8 + 60 + 4, mpls)}));
  SflowDecoder decoder;
  std::vector<FlowRecord> out;
  ASSERT_FALSE(decoder.Decode(d.b, kExporter, kArrival, out).has_value());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].dst.ToString(), "203.0.113.9");
  EXPECT_EQ(out[0].bytes, 900u);
  EXPECT_EQ(out[0].sampling, 2048u);
  EXPECT_EQ(out[0].src_port, 123);
  EXPECT_EQ(out[1].dst.ToString(), "203.0.113.10");
  EXPECT_EQ(out[1].bytes, 60u);
}

TEST(SflowDecoder, CounterSamplesAndNonIpPacketsAreSkipped) {
  Wire counters;  // a counters sample (format 2) with an empty record list
  counters.u32(2).u32(12).u32(1).u32(3).u32(0);
  Wire arp;
  arp.u32(0).u32(0).u32(0).u16(0x0806).u32(0x00010800);
  Wire d = Header(2);
  d.raw(counters).raw(FlowSample(1, 10, {RawHeader(1, 64, arp)}));
  SflowDecoder decoder;
  std::vector<FlowRecord> out;
  ASSERT_FALSE(decoder.Decode(d.b, kExporter, kArrival, out).has_value());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(decoder.stats().samples, 1u);
  EXPECT_EQ(decoder.stats().not_ip, 1u);
}

TEST(SflowDecoder, LostSamplesFromSequenceGapsAndTheAgentsDrops) {
  SflowDecoder decoder;
  std::vector<FlowRecord> out;
  auto send = [&](uint32_t sequence, uint32_t drops) {
    Wire d = Header(1, sequence);
    d.raw(FlowSample(sequence, 10, {RawHeader(11, 104, Ipv4Packet(100, 17, 1))}, drops));
    ASSERT_FALSE(decoder.Decode(d.b, kExporter, kArrival, out).has_value());
  };
  send(1, 0);
  send(2, 0);
  EXPECT_EQ(decoder.stats().lost, 0u);
  send(6, 0);  // 3, 4 and 5 never came
  EXPECT_EQ(decoder.stats().lost, 3u);
  send(7, 2);  // the agent dropped two of its own
  EXPECT_EQ(decoder.stats().lost, 5u);
  send(1, 0);  // the agent restarted: no loss, and counting goes on from there
  send(2, 0);
  EXPECT_EQ(decoder.stats().lost, 5u);
  EXPECT_EQ(out.size(), 6u);
}

TEST(SflowDecoder, MalformedDatagramsAreRefusedWithoutReadingPastTheEnd) {
  Wire good = Header(1);
  good.raw(FlowSample(1, 10, {RawHeader(11, 104, Ipv4Packet(100, 17, 1))}));
  SflowDecoder decoder;
  std::vector<FlowRecord> out;
  // Every prefix of a good datagram: refused (truncated) or, once whole, decoded.
  for (size_t n = 0; n < good.size(); ++n) {
    const std::vector<uint8_t> cut(good.b.begin(), good.b.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_TRUE(decoder.Decode(cut, kExporter, kArrival, out).has_value()) << n;
  }
  EXPECT_TRUE(out.empty());
  Wire v6agent;
  v6agent.u32(5).u32(7).u32(0);  // an address type that does not exist
  EXPECT_EQ(decoder.Decode(v6agent.b, kExporter, kArrival, out), DecodeIssue::kBadSet);
  Wire lying = Header(1);
  lying.u32(1).u32(1'000'000).u32(0);  // a sample claiming a megabyte
  EXPECT_EQ(decoder.Decode(lying.b, kExporter, kArrival, out), DecodeIssue::kTruncated);
  EXPECT_EQ(decoder.stats().records, 0u);
}

}  // namespace
}  // namespace rampart::collect
