// The throwaway PostgreSQL cluster of the tests (tests/support/pg_cluster.h): it starts, hands
// out independent databases, and a missing PostgreSQL is a visible skip, or a failure under CI.
#include "support/pg_cluster.h"

#include <libpq-fe.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>

namespace subkeeper::testing {
namespace {

using Conn = std::unique_ptr<PGconn, void (*)(PGconn*)>;
using Res = std::unique_ptr<PGresult, void (*)(PGresult*)>;

TEST_CASE("The test cluster hands out a fresh database per call", "[store][pg]") {
  const std::string first = RequireNewPgDatabase();
  if (first.empty()) return;  // skipped, and said why
  const std::string second = RequireNewPgDatabase();
  REQUIRE(first != second);

  Conn a(PQconnectdb(first.c_str()), &PQfinish);
  REQUIRE(PQstatus(a.get()) == CONNECTION_OK);
  Res created(PQexec(a.get(), "CREATE TABLE only_here (x int)"), &PQclear);
  REQUIRE(PQresultStatus(created.get()) == PGRES_COMMAND_OK);

  Conn b(PQconnectdb(second.c_str()), &PQfinish);
  REQUIRE(PQstatus(b.get()) == CONNECTION_OK);
  Res absent(PQexec(b.get(), "SELECT to_regclass('only_here') IS NULL"), &PQclear);
  REQUIRE(PQresultStatus(absent.get()) == PGRES_TUPLES_OK);
  CHECK(std::string(PQgetvalue(absent.get(), 0, 0)) == "t");
  // No TCP listener: the socket in the private directory is the only way in.
  Res listen(PQexec(b.get(), "SHOW listen_addresses"), &PQclear);
  CHECK(std::string(PQgetvalue(listen.get(), 0, 0)).empty());
}

TEST_CASE("PostgreSQL is installed when CI=true", "[store][pg]") {
  std::string why;
  if (PgCluster::InCi()) {
    INFO(why);
    CHECK(PgCluster::Installed(&why));
  } else if (!PgCluster::Installed(&why)) {
    WARN("PostgreSQL tests are skipped outside CI: " << why);
  }
}

}  // namespace
}  // namespace subkeeper::testing
