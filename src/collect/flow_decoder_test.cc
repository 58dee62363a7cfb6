// Datagrams built byte by byte from the formats' definitions (Cisco's NetFlow v5 and v9,
// RFC 3954, RFC 7011), decoded.
#include "collect/flow_decoder.h"

#include <gtest/gtest.h>

#include <initializer_list>

#include "collect/wire_builder.h"

namespace rampart::collect {
namespace {

using Wire = WireBuilder;

const common::IpAddress kExporter = common::IpAddress::Parse("192.0.2.1").value();
std::string Ip(const common::IpAddress& ip) { return ip.ToString(); }

// A v5 header: uptime 10,000 ms at Unix time 1,764,115,200.5 s.
Wire V5Header(uint16_t count, uint32_t sequence, uint16_t sampling = 0, uint32_t uptime = 10'000) {
  Wire w;
  w.u16(5).u16(count).u32(uptime).u32(1'764'115'200).u32(500'000'000).u32(sequence);
  w.u8(0).u8(0).u16(sampling);
  return w;
}
Wire V5Record(uint8_t last_octet, uint32_t packets, uint32_t bytes, uint32_t first, uint32_t last,
              uint8_t protocol = 17) {
  Wire w;
  w.ip4(198, 51, 100, 9).ip4(203, 0, 113, last_octet).ip4(0, 0, 0, 0).u16(1).u16(2);
  w.u32(packets).u32(bytes).u32(first).u32(last).u16(53).u16(4444).u8(0).u8(0x02);
  w.u8(protocol).u8(0).u16(0).u16(0).u8(24).u8(24).u16(0);
  return w;
}

TEST(FlowDecoder, NetflowV5RecordsWithTimesFromUptimeAndSampling) {
  FlowDecoder d;
  std::vector<FlowRecord> out;
  Wire dgram = V5Header(2, 100, 0x4000 | 64);  // mode 1, 1 in 64
  dgram.raw(V5Record(7, 10, 15'000, 4'000, 9'000)).raw(V5Record(8, 1, 60, 9'999, 10'000, 6));
  ASSERT_FALSE(d.Decode(dgram.b, kExporter, out).has_value());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(Ip(out[0].src), "198.51.100.9");
  EXPECT_EQ(Ip(out[0].dst), "203.0.113.7");
  EXPECT_EQ(out[0].bytes, 15'000u);
  EXPECT_EQ(out[0].packets, 10u);
  EXPECT_EQ(out[0].protocol, 17);
  EXPECT_EQ(out[0].src_port, 53);
  EXPECT_EQ(out[0].dst_port, 4444);
  // Header clock 1,764,115,200,500 ms at uptime 10,000: first 4,000 -> 6 s earlier.
  EXPECT_EQ(out[0].start_ms, 1'764'115'200'500 - 6'000);
  EXPECT_EQ(out[0].end_ms, 1'764'115'200'500 - 1'000);
  EXPECT_EQ(out[0].sampling, 64u);
  EXPECT_EQ(out[1].protocol, 6);
  EXPECT_FALSE(out[0].forwarding_status.has_value());
}

TEST(FlowDecoder, UptimeWrapsAfter49Days) {
  FlowDecoder d;
  std::vector<FlowRecord> out;
  // The exporter's uptime wrapped: now 1,000 ms, the flow started at 2^32 - 2,000.
  Wire dgram = V5Header(1, 0, 0, 1'000);
  dgram.raw(V5Record(7, 1, 100, 0xFFFFFFFFu - 1'999, 500));
  ASSERT_FALSE(d.Decode(dgram.b, kExporter, out).has_value());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].start_ms, 1'764'115'200'500 - 3'000);
  EXPECT_EQ(out[0].end_ms, 1'764'115'200'500 - 500);
  // A record ending a little after the header's time (the exporter rounds) stays a little
  // after it; it did not end 49.7 days earlier. (Found by the live collector's test.)
  out.clear();
  Wire late = V5Header(1, 1, 0, 10'000);
  late.raw(V5Record(7, 1, 100, 9'500, 10'999));
  ASSERT_FALSE(d.Decode(late.b, kExporter, out).has_value());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].end_ms, 1'764'115'200'500 + 999);
}

// Found by fuzz_flow_decoder: a record whose first packet is after its last one gave a flow
// that ended before it started. It is taken as starting when it ends.
TEST(FlowDecoder, AFlowNeverEndsBeforeItStarts) {
  FlowDecoder d;
  std::vector<FlowRecord> out;
  Wire dgram = V5Header(1, 0);
  dgram.raw(V5Record(7, 1, 100, 9'000, 4'000));
  ASSERT_FALSE(d.Decode(dgram.b, kExporter, out).has_value());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].start_ms, out[0].end_ms);
  EXPECT_EQ(out[0].end_ms, 1'764'115'200'500 - 6'000);
}

TEST(FlowDecoder, SequenceGapsAreCountedNotGuessed) {
  FlowDecoder d;
  std::vector<FlowRecord> out;
  auto send = [&](uint32_t sequence) {
    Wire dgram = V5Header(1, sequence);
    dgram.raw(V5Record(7, 1, 100, 9'000, 9'500));
    d.Decode(dgram.b, kExporter, out);
  };
  send(10);
  send(11);
  send(15);  // 12, 13 and 14 never came
  send(14);  // late: not a gap
  EXPECT_EQ(d.stats().lost, 3u);
  EXPECT_EQ(out.size(), 4u);
}

TEST(FlowDecoder, MalformedDatagramsAreRefusedWithAReason) {
  FlowDecoder d;
  std::vector<FlowRecord> out;
  EXPECT_EQ(d.Decode(std::vector<uint8_t>{0}, kExporter, out), DecodeIssue::kTruncated);
  EXPECT_EQ(d.Decode(Wire().u16(7).u16(0).b, kExporter, out), DecodeIssue::kBadVersion);
  Wire short_v5 = V5Header(2, 0);
  short_v5.raw(V5Record(7, 1, 1, 1, 1));  // says 2 records, has 1
  EXPECT_EQ(d.Decode(short_v5.b, kExporter, out), DecodeIssue::kTruncated);
  EXPECT_EQ(d.Decode(V5Header(0, 0).b, kExporter, out), DecodeIssue::kBadSet);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(d.stats().issues[static_cast<size_t>(DecodeIssue::kTruncated)], 2u);
  EXPECT_EQ(d.stats().issues[static_cast<size_t>(DecodeIssue::kBadVersion)], 1u);
}

// v9: header (20 bytes), then flowsets.
Wire V9(uint32_t sequence, uint32_t source_id, std::initializer_list<Wire> sets) {
  Wire w;
  w.u16(9).u16(static_cast<uint16_t>(sets.size())).u32(60'000).u32(1'764'115'200);
  w.u32(sequence).u32(source_id);
  for (const auto& s : sets) w.raw(s);
  return w;
}
Wire Set(uint16_t id, const Wire& body) {
  Wire w;
  w.u16(id).u16(body.size() + 4).raw(body);
  return w;
}

TEST(FlowDecoder, NetflowV9TemplatesDataAndOptionsSampling) {
  FlowDecoder d;
  std::vector<FlowRecord> out;
  // Template 256: IPv4 src, dst, bytes (4), packets (4), protocol, first, last switched,
  // sampler id (1).
  Wire tmpl;
  tmpl.u16(256).u16(8);
  for (auto [type, len] :
       {std::pair{8, 4}, {12, 4}, {1, 4}, {2, 4}, {4, 1}, {22, 4}, {21, 4}, {48, 1}}) {
    tmpl.u16(type).u16(len);
  }
  // Options template 257: scope system (type 1, 4 bytes); options sampler id (48, 1) and
  // sampler random interval (50, 4).
  Wire opts;
  opts.u16(257).u16(4).u16(8).u16(1).u16(4).u16(48).u16(1).u16(50).u16(4);
  Wire sampler_data;
  sampler_data.u32(0).u8(3).u32(100).u8(0).u16(0);  // sampler 3: 1 in 100; padding
  Wire data;
  data.ip4(198, 51, 100, 1)
      .ip4(203, 0, 113, 7)
      .u32(1'500)
      .u32(1)
      .u8(17)
      .u32(50'000)
      .u32(59'000)
      .u8(3);
  data.ip4(198, 51, 100, 2)
      .ip4(203, 0, 113, 8)
      .u32(3'000)
      .u32(2)
      .u8(6)
      .u32(59'000)
      .u32(60'000)
      .u8(9);        // sampler 9: never announced
  data.u8(0).u8(0);  // padding
  // Data before its template is held, and decoded (after the datagram's own) when it comes.
  EXPECT_FALSE(d.Decode(V9(1, 7, {Set(256, data)}).b, kExporter, out).has_value());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(d.stats().held, 1u);
  ASSERT_FALSE(
      d.Decode(V9(2, 7, {Set(0, tmpl), Set(1, opts), Set(257, sampler_data), Set(256, data)}).b,
               kExporter, out)
          .has_value());
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(d.stats().held_decoded, 1u);
  EXPECT_EQ(out[2].bytes, out[0].bytes);
  EXPECT_EQ(out[2].sampling, 100u);
  out.resize(2);
  EXPECT_EQ(Ip(out[0].dst), "203.0.113.7");
  EXPECT_EQ(out[0].bytes, 1'500u);
  EXPECT_EQ(out[0].start_ms, 1'764'115'200'000 - 10'000);
  EXPECT_EQ(out[0].end_ms, 1'764'115'200'000 - 1'000);
  EXPECT_EQ(out[0].sampling, 100u);
  EXPECT_EQ(out[1].sampling, 1u);
  EXPECT_EQ(d.template_count(), 2u);
  // Another source id of the same exporter has templates of its own.
  out.clear();
  EXPECT_FALSE(d.Decode(V9(1, 8, {Set(256, data)}).b, kExporter, out).has_value());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(d.stats().held, 2u);
  // Templates saved and loaded into a new decoder (a restart) decode at once.
  FlowDecoder restarted;
  ASSERT_TRUE(restarted.LoadTemplates(d.SaveTemplates()));
  EXPECT_EQ(restarted.template_count(), 2u);
  ASSERT_FALSE(restarted.Decode(V9(3, 7, {Set(256, data)}).b, kExporter, out).has_value());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].sampling, 100u);
  EXPECT_FALSE(restarted.LoadTemplates("flow-templates 1\nT 256 0 0\n"));
  EXPECT_FALSE(restarted.LoadTemplates("something else"));
}

// IPFIX: header (16 bytes, its own length), then sets.
Wire Ipfix(uint32_t sequence, uint32_t domain, std::initializer_list<Wire> sets) {
  Wire body;
  for (const auto& s : sets) body.raw(s);
  Wire w;
  w.u16(10).u16(16 + body.size()).u32(1'764'115'200).u32(sequence).u32(domain).raw(body);
  return w;
}

TEST(FlowDecoder, IpfixEnterpriseVariableLengthAbsoluteTimesStatusAndWithdrawal) {
  FlowDecoder d;
  std::vector<FlowRecord> out;
  // Template 300: IPv6 dst (28, 16), octetDeltaCount (1, 8), an enterprise element (length
  // 4, PEN 9), a variable-length string (82 interfaceName), flowStartMilliseconds (152, 8),
  // flowEndMilliseconds (153, 8), forwardingStatus (89, 1), packetDeltaCount (2, 8).
  Wire tmpl;
  tmpl.u16(300).u16(8).u16(28).u16(16).u16(1).u16(8).u16(0x8000 | 12).u16(4).u32(9);
  tmpl.u16(82).u16(65535).u16(152).u16(8).u16(153).u16(8).u16(89).u16(1).u16(2).u16(8);
  Wire data;
  const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07};
  for (uint8_t x : v6) data.u8(x);
  data.u64(9'000'000).u32(0xdeadbeef).u8(3).u8('e').u8('t').u8('0');
  data.u64(1'764'115'100'000).u64(1'764'115'160'000).u8(0x80 | 2).u64(6'000);  // dropped
  for (uint8_t x : v6) data.u8(x);
  data.u64(1'000).u32(0).u8(255).u16(300);  // a 300-byte name, long form
  for (int i = 0; i < 300; ++i) data.u8('x');
  data.u64(1'764'115'100'000).u64(1'764'115'100'000).u8(0x40).u64(1);  // forwarded
  ASSERT_FALSE(d.Decode(Ipfix(0, 1, {Set(2, tmpl), Set(300, data)}).b, kExporter, out).has_value());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(Ip(out[0].dst), "2001:db8::7");
  EXPECT_EQ(out[0].bytes, 9'000'000u);
  EXPECT_EQ(out[0].packets, 6'000u);
  EXPECT_EQ(out[0].start_ms, 1'764'115'100'000);
  EXPECT_EQ(out[0].end_ms, 1'764'115'160'000);
  EXPECT_EQ(out[0].forwarding_status, 2);
  EXPECT_EQ(out[1].bytes, 1'000u);
  EXPECT_EQ(out[1].forwarding_status, 1);
  // Record sequence: 2 records were sent; the next message says 2.
  Wire withdraw;
  withdraw.u16(300).u16(0);
  ASSERT_FALSE(d.Decode(Ipfix(2, 1, {Set(2, withdraw)}).b, kExporter, out).has_value());
  EXPECT_EQ(d.stats().lost, 0u);
  // Data for a withdrawn template waits for it to come back; nothing is decoded meanwhile.
  const size_t before = out.size();
  EXPECT_FALSE(d.Decode(Ipfix(2, 1, {Set(300, data)}).b, kExporter, out).has_value());
  EXPECT_EQ(out.size(), before);
  EXPECT_EQ(d.stats().held, 1u);
  EXPECT_EQ(d.template_count(), 0u);
}

// RFC 7011 §3.1: the sequence number counts every data record sent before the message,
// options data records included; a message whose data waits for its template cannot say how
// many records it held, so the next number is taken as it comes.
TEST(FlowDecoder, IpfixSequenceCountsOptionsDataAndForgivesHeldData) {
  FlowDecoder d;
  std::vector<FlowRecord> out;
  Wire options_template;  // template 400, scope: observation domain id (149, 4); interval (34)
  options_template.u16(400).u16(2).u16(1).u16(149).u16(4).u16(34).u16(4);
  Wire options_data;
  options_data.u32(1).u32(100);
  Wire flow_template;  // template 301: IPv4 dst (12, 4), octetDeltaCount (1, 4)
  flow_template.u16(301).u16(2).u16(12).u16(4).u16(1).u16(4);
  Wire flows;
  flows.ip4(203, 0, 113, 1).u32(1'000).ip4(203, 0, 113, 2).u32(2'000);
  // Message 1: one options data record and two flows (3 data records); the next says 3.
  ASSERT_FALSE(d.Decode(Ipfix(0, 7,
                              {Set(3, options_template), Set(2, flow_template),
                               Set(400, options_data), Set(301, flows)})
                            .b,
                        kExporter, out)
                   .has_value());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].sampling, 100u);
  ASSERT_FALSE(d.Decode(Ipfix(3, 7, {Set(301, flows)}).b, kExporter, out).has_value());
  EXPECT_EQ(d.stats().lost, 0u);
  // Data of a template not seen yet (302) is held: its records are not counted, and the next
  // message's number (whatever it is) is no loss.
  ASSERT_FALSE(d.Decode(Ipfix(5, 7, {Set(302, flows)}).b, kExporter, out).has_value());
  ASSERT_FALSE(d.Decode(Ipfix(7, 7, {Set(301, flows)}).b, kExporter, out).has_value());
  EXPECT_EQ(d.stats().lost, 0u);
  // A real gap is still one: 9 expected, 12 came.
  ASSERT_FALSE(d.Decode(Ipfix(12, 7, {Set(301, flows)}).b, kExporter, out).has_value());
  EXPECT_EQ(d.stats().lost, 3u);
}

TEST(FlowDecoder, ASetThatLiesAboutItsLengthStopsThatDatagramOnly) {
  FlowDecoder d;
  std::vector<FlowRecord> out;
  Wire bad;
  bad.u16(2).u16(400).u16(300);  // says 400 bytes, has 6
  Wire dgram = Ipfix(0, 1, {bad});
  EXPECT_EQ(d.Decode(dgram.b, kExporter, out), DecodeIssue::kTruncated);
  // A data record cut short inside a variable-length field.
  Wire tmpl;
  tmpl.u16(301).u16(2).u16(8).u16(4).u16(82).u16(65535);
  Wire cut;
  cut.ip4(203, 0, 113, 7).u8(200).u8('a');
  EXPECT_EQ(d.Decode(Ipfix(0, 2, {Set(2, tmpl), Set(301, cut)}).b, kExporter, out),
            DecodeIssue::kTruncated);
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace rampart::collect
