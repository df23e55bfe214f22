// The real rcemu::Server on 127.0.0.1 (port 0) against a tiny cpp-httplib webhook endpoint.
#include "rcemu/server.h"

#include <httplib.h>

#include <catch2/catch.hpp>
#include <thread>

#include "emulator_fixture.h"
#include "rcemu/httplib_transport.h"

namespace rcemu::testing {
namespace {

using nlohmann::json;

// A webhook endpoint that answers the handshake the way the keeper does and remembers the
// headers of the last request.
class Webhook {
 public:
  Webhook() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mu_);
        last_ = req.headers;
        ++count_;
      }
      if (req.has_header("Validation-Token")) {
        res.set_header("Validation-Token", req.get_header_value("Validation-Token"));
      }
      res.set_content("", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 400 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  ~Webhook() {
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  int Count() {
    std::lock_guard lock(mu_);
    return count_;
  }
  httplib::Headers Last() {
    std::lock_guard lock(mu_);
    return last_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  httplib::Headers last_;  // guarded by mu_
  int count_ = 0;          // guarded by mu_
};

TEST_CASE("server: token and create over loopback, listed by the control API", "[emulator]") {
  subkeeper::SystemClock clock;
  HttplibTransport transport;
  Platform platform(TestOptions(), transport, clock);
  Server server(platform, clock);
  REQUIRE(server.Start("127.0.0.1", 0).ok());
  REQUIRE(server.port() > 0);
  Webhook hook;

  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(5, 0);
  const httplib::Headers basic = {
      {"Authorization", "Basic " + subkeeper::Base64Encode("demo-client:demo-secret")}};
  auto token = client.Post("/restapi/oauth/token", basic,
                           "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
                           "&assertion=jwt-server-test",
                           "application/x-www-form-urlencoded");
  REQUIRE(token);
  REQUIRE(token->status == 200);
  CHECK(token->get_header_value("X-Rate-Limit-Group") == "auth");
  const std::string access = json::parse(token->body)["access_token"];

  const json body = {
      {"eventFilters", {kPresence, kReminder60}},
      {"deliveryMode",
       {{"transportType", "WebHook"}, {"address", hook.Url()}, {"verificationToken", "vt-server"}}},
      {"expiresIn", 3600}};
  auto created = client.Post("/restapi/v1.0/subscription", {{"Authorization", "Bearer " + access}},
                             body.dump(), "application/json");
  REQUIRE(created);
  INFO(created->body);
  REQUIRE(created->status == 200);
  const json sub = json::parse(created->body);
  CHECK(sub["status"] == "Active");
  CHECK(sub["uri"].get<std::string>().starts_with("http://127.0.0.1:"));

  const auto handshake = hook.Last();
  CHECK(handshake.count("Validation-Token") == 1);
  CHECK(handshake.find("Content-Length")->second == "0");
  CHECK(handshake.find("Verification-Token")->second == "vt-server");
  CHECK(handshake.find("User-Agent")->second == "RingCentral-Webhook/8.3 (emulator)");

  auto listed = client.Get("/_emulator/subscriptions");
  REQUIRE(listed);
  const json records = json::parse(listed->body)["records"];
  REQUIRE(records.size() == 1);
  CHECK(records[0]["id"] == sub["id"]);
  CHECK(records[0]["deliveryMode"]["address"] == hook.Url());

  auto notified =
      client.Post("/_emulator/subscriptions/" + sub["id"].get<std::string>() + "/notify",
                  R"({"body":{"n":1}})", "application/json");
  REQUIRE(notified);
  CHECK(json::parse(notified->body)["status"] == 200);
  CHECK(hook.Last().find("Content-Type")->second == "application/json; charset=UTF-8");

  // A drop fault breaks the connection: the client gets no usable answer.
  REQUIRE(client.Post("/_emulator/faults", R"({"kind":"drop"})", "application/json"));
  httplib::Client fresh("127.0.0.1", server.port());
  fresh.set_read_timeout(5, 0);
  auto dropped = fresh.Get("/restapi/v1.0/subscription", {{"Authorization", "Bearer " + access}});
  CHECK_FALSE(dropped);
  auto after = fresh.Get("/restapi/v1.0/subscription", {{"Authorization", "Bearer " + access}});
  REQUIRE(after);
  CHECK(after->status == 200);
  server.Stop();
}

TEST_CASE("server: a job round delivers a due reminder over loopback", "[emulator]") {
  subkeeper::ManualClock clock;
  HttplibTransport transport;
  Platform platform(TestOptions(), transport, clock);
  Server server(platform, clock, /*run_job_thread=*/false);
  REQUIRE(server.Start("127.0.0.1", 0).ok());
  Webhook hook;
  httplib::Client client("127.0.0.1", server.port());
  auto token = client.Post(
      "/restapi/oauth/token",
      {{"Authorization", "Basic " + subkeeper::Base64Encode("demo-client:demo-secret")}},
      "grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=j",
      "application/x-www-form-urlencoded");
  REQUIRE(token);
  const std::string access = json::parse(token->body)["access_token"];
  const json body = {{"eventFilters", {kPresence, kReminder60}},
                     {"deliveryMode", {{"transportType", "WebHook"}, {"address", hook.Url()}}},
                     {"expiresIn", 600}};
  auto created = client.Post("/restapi/v1.0/subscription", {{"Authorization", "Bearer " + access}},
                             body.dump(), "application/json");
  REQUIRE(created);
  REQUIRE(created->status == 200);
  REQUIRE(hook.Count() == 1);  // the handshake
  clock.Advance(std::chrono::seconds(540));
  server.RunJobOnce();
  CHECK(hook.Count() == 2);
  auto deliveries = platform.Deliveries();
  REQUIRE(deliveries.size() == 2);
  CHECK(deliveries[1].kind == DeliveryKind::kReminder);
  CHECK(deliveries[1].status == 200);
  CHECK(deliveries[1].event == kReminder60);
  server.Stop();
}

}  // namespace
}  // namespace rcemu::testing
