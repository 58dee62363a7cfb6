// Routes: Catalogue, quotes, orders and payment.
#include "api/objects_json.h"
#include "api/routes.h"
#include "formats/json_fields.h"
#include "formats/purchase_json.h"
#include "lifecycle/ip_pools.h"
#include "ordering/orders.h"

namespace rampart::api {

using formats::ParsePurchaseOptions;
using formats::QuoteToJson;
namespace {

// An hdip order needs a free pool address per IP in its network: without one it is refused
// (`no_capacity`, 409) before any money moves, rather than paid and refunded when delivery
// fails. (Orders paid but not yet delivered are not counted against the free addresses: two
// racing for the last one, the later delivery fails and is refunded in full, as before.)
Result<void> HasCapacity(store::Connection& c, const billing::PurchaseOptions& o) {
  if (o.spec.product != catalog::Product::kHdip) return {};
  auto free = lifecycle::FreeAddresses(c, o.spec.region, o.spec.line);
  if (!free) return std::unexpected(free.error());
  if (*free < o.quantity) {
    return common::Fail(common::Code::kNoCapacity,
                        "no capacity in " + o.spec.region + "/" + o.spec.line +
                            " now: " + std::to_string(*free) + " address(es) free for " +
                            std::to_string(o.quantity) + " hdip(s); choose another network",
                        "region");
  }
  return {};
}

// POST /v1/quotes
HttpResponse PostQuotes(ApiService& s, Context& c) {
  auto body = ParseBody(c.req, true);
  if (!body) return ErrorResponse(body.error());
  auto options = ParsePurchaseOptions(*body);
  if (!options) return ErrorResponse(options.error());
  auto quote = s.Database().Use([&](store::Connection& conn) {
    return ordering::QuoteForTenant(conn, *s.deps().book, c.who.tenant_id, *options);
  });
  if (!quote) return ErrorResponse(quote.error());
  return Json(200, QuoteToJson(*quote));
}

// POST /v1/orders
HttpResponse PostOrders(ApiService& s, Context& c) {
  auto body = ParseBody(c.req, true);
  if (!body) return ErrorResponse(body.error());
  auto options = ParsePurchaseOptions(*body);
  if (!options) return ErrorResponse(options.error());
  HttpResponse r = Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    RAMPART_TRY(HasCapacity(conn, *options));
    auto o = RAMPART_TRY(ordering::CreateOrder(conn, *s.deps().book, c.who.tenant_id, *options,
                                               s.deps().clock->Now()));
    return Json(201, OrderToJson(o));
  });
  if (r.status == 201 && s.deps().metrics)
    s.deps().metrics->Count("rampart_orders_total", "event", "created");
  return r;
}

// POST /v1/orders/{id}/pay
HttpResponse PostOrdersPay(ApiService& s, Context& c) {
  if (auto e = NoFields(c.req)) return ErrorResponse(*e);
  HttpResponse r = Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
    // Capacity taken since the order was placed: refused before any money moves.
    if (auto order = ordering::GetOrder(conn, c.who.tenant_id, c.params[0]);
        order && order->status == "unpaid") {
      RAMPART_TRY(HasCapacity(conn, order->options));
    }
    auto o = RAMPART_TRY(ordering::PayOrder(conn, c.who.tenant_id, c.params[0], s.deps().delivery,
                                            s.deps().clock->Now()));
    return Json(200, OrderToJson(o));
  });
  if (r.status == 200 && s.deps().metrics) {
    s.deps().metrics->Count("rampart_orders_total", "event", "paid");
    s.deps().metrics->Count("rampart_ledger_movements_total", "kind", "order_payment");
  }
  return r;
}

// GET /v1/catalog
HttpResponse GetCatalog(ApiService& s, Context&) {
  auto pools =
      s.Database().Use([&](store::Connection& conn) { return lifecycle::ListPools(conn); });
  if (!pools) return ErrorResponse(pools.error());
  return Json(
      200, CatalogToJson(*s.deps().book, [&](const std::string& region, const std::string& line) {
        return lifecycle::FreeAddresses(*pools, region, line) > 0;
      }));
}

}  // namespace

void AddPurchaseRoutes(EndpointMap& e) {
  e.insert({
      {"GET /v1/catalog", {kTenantOrAdmin, GetCatalog}},
      {"POST /v1/quotes", {kTenant, PostQuotes}},
      {"POST /v1/orders", {kTenant, PostOrders}},
      {"GET /v1/orders", {kTenant, ListHandler(ordering::ListOrders, OrderToJson)}},
      {"GET /v1/orders/{id}", {kTenant, GetHandler(ordering::GetOrder, OrderToJson)}},
      {"POST /v1/orders/{id}/pay", {kTenant, PostOrdersPay}},
  });
}

}  // namespace rampart::api
