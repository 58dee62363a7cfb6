// Routes: Catalogue, quotes, orders and payment.
#include "api/json_fields.h"
#include "api/objects_json.h"
#include "api/purchase_json.h"
#include "api/routes.h"
#include "ordering/orders.h"

namespace rampart::api {

void AddPurchaseRoutes(EndpointMap& e) {
  e.insert({
      {"GET /v1/catalog",
       {kTenantOrAdmin,
        [](ApiService& s, Context&) { return Json(200, CatalogToJson(*s.deps().book)); }}},
      {"POST /v1/quotes",
       {kTenant,
        [](ApiService& s, Context& c) {
          auto body = ParseBody(c.req, true);
          if (!body) return ErrorResponse(body.error());
          auto options = ParsePurchaseOptions(*body);
          if (!options) return ErrorResponse(options.error());
          auto quote = s.Database().Use([&](store::Connection& conn) {
            return ordering::QuoteForTenant(conn, *s.deps().book, c.who.tenant_id, *options);
          });
          if (!quote) return ErrorResponse(quote.error());
          return Json(200, QuoteToJson(*quote));
        }}},
      {"POST /v1/orders",
       {kTenant,
        [](ApiService& s, Context& c) {
          auto body = ParseBody(c.req, true);
          if (!body) return ErrorResponse(body.error());
          auto options = ParsePurchaseOptions(*body);
          if (!options) return ErrorResponse(options.error());
          HttpResponse r = Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            auto o = ordering::CreateOrder(conn, *s.deps().book, c.who.tenant_id, *options,
                                           s.deps().clock->Now());
            if (!o) return std::unexpected(o.error());
            return Json(201, OrderToJson(*o));
          });
          if (r.status == 201 && s.deps().metrics)
            s.deps().metrics->Count("rampart_orders_total", "event", "created");
          return r;
        }}},
      {"GET /v1/orders", {kTenant, ListHandler(ordering::ListOrders, OrderToJson)}},
      {"GET /v1/orders/{id}", {kTenant, GetHandler(ordering::GetOrder, OrderToJson)}},
      {"POST /v1/orders/{id}/pay",
       {kTenant,
        [](ApiService& s, Context& c) {
          if (auto e = NoFields(c.req)) return ErrorResponse(*e);
          HttpResponse r = Mutate(s, c, [&](store::Connection& conn) -> Result<HttpResponse> {
            auto o = ordering::PayOrder(conn, c.who.tenant_id, c.params[0], s.deps().delivery,
                                        s.deps().clock->Now());
            if (!o) return std::unexpected(o.error());
            return Json(200, OrderToJson(*o));
          });
          if (r.status == 200 && s.deps().metrics) {
            s.deps().metrics->Count("rampart_orders_total", "event", "paid");
            s.deps().metrics->Count("rampart_ledger_movements_total", "kind", "order_payment");
          }
          return r;
        }}},
  });
}

}  // namespace rampart::api
