#include <iostream>

#include "app/commands.h"
#include "app/pricebook_arg.h"
#include "catalog/pricebook_loader.h"

namespace rampart::app {

common::Result<catalog::PriceBook> LoadPriceBook(const PriceBookArg& arg) {
  if (!arg.path) return catalog::DefaultPriceBook();
  return catalog::LoadPriceBookFile(*arg.path);
}

int RunPricebookCheck(const std::string& path) {
  auto pb = catalog::LoadPriceBookFile(path);
  if (!pb) {
    std::cerr << pb.error().message << "\n";
    return 1;
  }
  std::cout << path << ": ok — " << pb->hdip_networks.size() << " hdip networks, "
            << pb->hdp_regions.size() << " hdp regions, billing time zone " << pb->time_zone
            << ", durations " << pb->AllowedMonths() << " months\n";
  return 0;
}

int RunPricebookDefault() {
  std::cout << catalog::DefaultPriceBookText();
  return 0;
}

}  // namespace rampart::app
