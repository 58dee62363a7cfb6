#include <boost/json.hpp>
#include <iostream>

#include "app/commands.h"
#include "app/pricebook_arg.h"
#include "formats/json_pretty.h"
#include "formats/purchase_json.h"

namespace rampart::app {

int RunQuote(const QuoteArgs& args) {
  auto book = LoadPriceBook(args.pricebook);
  if (!book) {
    std::cerr << book.error().message << "\n";
    return 1;
  }
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(args.body, ec);
  if (ec) {
    std::cerr << "error: the quote body is not valid JSON: " << ec.message() << "\n";
    return 1;
  }
  auto options = formats::ParsePurchaseOptions(body);
  if (!options) {
    std::cerr << "error: " << options.error().message << "\n";
    return 1;
  }
  auto quote = billing::QuotePurchase(*book, *options, !args.returning_customer);
  if (!quote) {
    std::cerr << "error: " << quote.error().message << "\n";
    return 1;
  }
  std::cout << formats::PrettyJson(formats::QuoteToJson(*quote));
  return 0;
}

}  // namespace rampart::app
