// Loading and validating price books (TOML). See pricebook/default.toml for the format.
//
// The loader checks everything the rest of Rampart relies on, and reports every problem it
// finds (not just the first), each as "FILE:LINE: reason": unknown or missing keys, wrong
// types, unsorted or duplicate tiers, missing/overlapping/gapped elastic ranges, negative
// prices, a base tier without a price, a maximum ceiling beyond the last range, unknown time
// zones or price classes, duplicate networks. Money written as a TOML float (0.80) is read
// back exactly through its shortest decimal form; amounts with more than two decimals are
// refused. Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>

#include "catalog/pricebook.h"
#include "common/error.h"

namespace rampart::catalog {

// Parses `toml_text`; `file_name` only labels the problems. On failure the error has code
// `bad_pricebook` and a message of one "FILE:LINE: reason" per line.
common::Result<PriceBook> ParsePriceBook(std::string_view toml_text, std::string_view file_name);

// Reads and parses a file; `bad_pricebook` also when it cannot be read.
common::Result<PriceBook> LoadPriceBookFile(const std::string& path);

// The price book of product.md §9, compiled into the binary from pricebook/default.toml.
const PriceBook& DefaultPriceBook();
std::string_view DefaultPriceBookText();

}  // namespace rampart::catalog
