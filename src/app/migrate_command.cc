// `subkeeper migrate`: a keeper's SQLite store copied into an empty PostgreSQL database, so that
// several keepers can take over from one (docs/postgresql-store.md, "Moving from SQLite").
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "subkeeper/app/commands.h"
#include "subkeeper/config/limits.h"
#include "subkeeper/store/copy.h"

namespace subkeeper::app {
namespace {

using nlohmann::json;

int Fail(const std::string& message) {
  std::fprintf(stderr, "subkeeper migrate: %s\n", message.c_str());
  return 1;
}

// The connection string of --to-postgres, or read from --to-postgres-file as every *_file of
// the config is (bounded, regular file, trailing newlines dropped).
Result<Secret> Conninfo(const MigrateOptions& options) {
  if (!options.conninfo.empty()) return options.conninfo;
  auto read = config::ReadBoundedFile(options.conninfo_file, config::kMaxSecretFileBytes);
  if (!read.ok()) {
    return Status(read.status().code(), "cannot read --to-postgres-file " + options.conninfo_file +
                                            ": " + read.status().message());
  }
  std::string text = std::move(read).value();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) {
    return Status::InvalidArgument("--to-postgres-file " + options.conninfo_file + " is empty");
  }
  return Secret(std::move(text));
}

}  // namespace

int MigrateCommand(const config::Config& config, const MigrateOptions& options) {
  if (config.store.UsesPostgres()) {
    return Fail(
        "the config names store.postgres; migrate copies a keeper's store.sqlite file, so give "
        "it the config the keeper ran with on SQLite");
  }
  auto conninfo = Conninfo(options);
  if (!conninfo.ok()) return Fail(conninfo.status().message());
  const std::string& source = config.store.sqlite_path;
  SystemClock clock;
  auto copied = store::CopySqliteToPostgres(source, conninfo->Reveal(), clock);
  if (!copied.ok()) {
    if (copied.status().code() == StatusCode::kNotFound) {
      return Fail("no SQLite database at " + source + " (store.sqlite): nothing to copy");
    }
    return Fail(copied.status().ToString());
  }
  if (options.json) {
    json tables = json::object();
    for (const auto& table : copied->tables) tables[table.table] = table.rows;
    const json doc = {{"sqlite", source}, {"database", copied->database}, {"tables", tables}};
    std::printf("%s\n", doc.dump(2, ' ', false, json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("Copied %s into PostgreSQL database '%s':\n", source.c_str(),
              copied->database.c_str());
  for (const auto& table : copied->tables) {
    std::printf("  %-22s %10lld%s\n", table.table.c_str(), static_cast<long long>(table.rows),
                table.derived ? "  (from the events)" : "");
  }
  std::printf(
      "Account claims were copied released: each account goes to the first keeper that "
      "claims it.\nPoint the keepers' store.postgres at this database; the SQLite file is left "
      "as it was.\n");
  return 0;
}

}  // namespace subkeeper::app
