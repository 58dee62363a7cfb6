// Shared by the subcommands: load the price book named on the command line.
#pragma once

#include "app/commands.h"
#include "catalog/pricebook.h"
#include "common/error.h"

namespace rampart::app {

common::Result<catalog::PriceBook> LoadPriceBook(const PriceBookArg& arg);

}  // namespace rampart::app
