#!/usr/bin/env python3
"""Writes examples/usage.csv: one billing day (2026-11-26, Asia/Shanghai) of one-minute usage
for the resources in examples/resources.json. Deterministic; rerun after changing it.

- 203.0.113.10 (hdip cn-south/bgp, base 20, elastic 50, by traffic): an attack ramping to
  45 Gbps from 10:00 to 10:30 local; 100 MB in / 300 MB out of business traffic a minute.
- 203.0.113.20 (hdip ap-hongkong/bgp, base 30, elastic 100, by bandwidth): a 25 Gbps attack
  (absorbed by the base); 150 Mbps out, with one 5-minute burst at 350.2 Mbps at 20:00.
- 198.51.100.1-5 (hdp cn-east, 5 IPs, base 20, elastic 60): IP .1 15 Gbps and .2 12 Gbps in
  the 10:00 window, .1 18 Gbps at 11:00: the packet's peak is their sum, 27 Gbps.
"""
import datetime as dt
import pathlib

G = 10**9
start = dt.datetime(2026, 11, 25, 16, 0, tzinfo=dt.timezone.utc)  # 00:00 in UTC+8
rows = ["window_start,window_s,ip,attack_bps,in_bytes,out_bytes"]


def local_minute(i):
    return (i + 0) % 1440  # minutes since local midnight


for i in range(1440):
    t = (start + dt.timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
    m = local_minute(i)
    # cn-south hdip: attack 10:00-10:30 ramping to 45 G at 10:20, then falling.
    attack = 0
    if 600 <= m < 630:
        attack = min(m - 600, 20) * 45 * G // 20 if m <= 620 else (630 - m) * 4 * G
    rows.append(f"{t},60,203.0.113.10,{attack},100000000,300000000")
    # Hong Kong hdip: 150 Mbps out, a 350.2 Mbps burst 20:00-20:05, a 25 G attack at 03:00.
    out = 350_200_000 * 60 // 8 if 1200 <= m < 1205 else 150_000_000 * 60 // 8
    rows.append(f"{t},60,203.0.113.20,{25 * G if m == 180 else 0},{out // 10},{out}")
    # hdp packet.
    if m == 600:
        rows.append(f"{t},60,198.51.100.1,{15 * G},0,0")
        rows.append(f"{t},60,198.51.100.2,{12 * G},0,0")
    if m == 660:
        rows.append(f"{t},60,198.51.100.1,{18 * G},0,0")

pathlib.Path(__file__).with_name("usage.csv").write_text("\n".join(rows) + "\n")
