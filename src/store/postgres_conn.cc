#include "postgres_conn.h"

#include <cstdlib>
#include <cstring>

namespace subkeeper::store::pg {
namespace {

// The first line of a libpq message, without its trailing newline: later lines are hints and
// context, and a DETAIL may quote row values.
std::string FirstLine(const char* message) {
  std::string text = message != nullptr ? message : "";
  const size_t end = text.find('\n');
  if (end != std::string::npos) text.resize(end);
  return text;
}

StatusCode CodeOfSqlState(std::string_view state) {
  if (state.size() != 5) return StatusCode::kUnavailable;  // no SQLSTATE: the connection failed
  const std::string_view cls = state.substr(0, 2);
  if (cls == "08" || cls == "40" || cls == "53" || cls == "57" || state == "55P03" ||
      state == "25006") {
    return StatusCode::kUnavailable;
  }
  if (state == "XX001" || state == "XX002") return StatusCode::kDataLoss;
  if (state == "22021" || state == "22P05") return StatusCode::kInvalidArgument;
  return StatusCode::kInternal;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string WithoutQuoted(const char* message) {
  std::string text = FirstLine(message);
  std::string out;
  bool quoted = false;
  for (char c : text) {
    if (c == '"') {
      if (!quoted) out += "\"…\"";
      quoted = !quoted;
      continue;
    }
    if (!quoted) out += c;
  }
  return out;
}

Params& Params::Add(std::string value, int format, bool null) {
  lengths_.push_back(static_cast<int>(value.size()));
  values_.push_back(std::move(value));
  formats_.push_back(format);
  nulls_.push_back(null);
  return *this;
}

Params& Params::Text(std::string_view value) { return Add(std::string(value), 0, false); }
Params& Params::Int(int64_t value) { return Add(std::to_string(value), 0, false); }
Params& Params::Bool(bool value) { return Add(value ? "true" : "false", 0, false); }
Params& Params::Time(WallTime value) { return Int(ToUnixMillis(value)); }
Params& Params::Bytes(std::string_view value) { return Add(std::string(value), 1, false); }
Params& Params::Null() { return Add("", 0, true); }

std::vector<const char*> Params::ValuePointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (size_t i = 0; i < values_.size(); ++i) {
    out.push_back(nulls_[i] ? nullptr : values_[i].data());
  }
  return out;
}

std::string Rows::Text(int row, int col) const {
  return std::string(PQgetvalue(result_.get(), row, col),
                     static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

int64_t Rows::Int(int row, int col) const {
  return std::strtoll(PQgetvalue(result_.get(), row, col), nullptr, 10);
}

bool Rows::Bool(int row, int col) const { return PQgetvalue(result_.get(), row, col)[0] == 't'; }

WallTime Rows::Time(int row, int col) const { return FromUnixMillis(Int(row, col)); }

Result<std::string> Rows::Bytes(int row, int col) const {
  const char* text = PQgetvalue(result_.get(), row, col);
  const size_t size = static_cast<size_t>(PQgetlength(result_.get(), row, col));
  if (size < 2 || text[0] != '\\' || text[1] != 'x' || size % 2 != 0) {
    return Status::DataLoss("store: a bytea column is not in hex output form");
  }
  std::string out;
  out.reserve((size - 2) / 2);
  for (size_t i = 2; i < size; i += 2) {
    const int hi = HexDigit(text[i]);
    const int lo = HexDigit(text[i + 1]);
    if (hi < 0 || lo < 0) return Status::DataLoss("store: a bytea column is not valid hex");
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

int64_t Rows::Affected() const { return std::strtoll(PQcmdTuples(result_.get()), nullptr, 10); }

Status ErrorStatus(std::string_view operation, PGconn* conn, const PGresult* result) {
  std::string message;
  std::string state;
  if (result != nullptr) {
    const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
    const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    message = primary != nullptr ? primary : FirstLine(PQresultErrorMessage(result));
    state = sqlstate != nullptr ? sqlstate : "";
  }
  if (message.empty()) message = FirstLine(PQerrorMessage(conn));
  if (message.empty()) message = "the connection to PostgreSQL failed";
  StatusCode code = CodeOfSqlState(state);
  if (PQstatus(conn) != CONNECTION_OK) code = StatusCode::kUnavailable;
  return Status(code, "store: " + std::string(operation) + ": " + message);
}

Result<Rows> Exec(PGconn* conn, std::string_view operation, const std::string& sql,
                  const Params& params) {
  const std::vector<const char*> values = params.ValuePointers();
  ResultPtr result(PQexecParams(conn, sql.c_str(), params.size(), /*paramTypes=*/nullptr,
                                values.data(), params.Lengths(), params.Formats(),
                                /*resultFormat=*/0));
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return ErrorStatus(operation, conn, result.get());
  }
  return Rows(std::move(result));
}

ConnectionPool::ConnectionPool(std::string conninfo, int max_size, bool read_only)
    : conninfo_(std::move(conninfo)), max_size_(max_size), read_only_(read_only) {}

ConnectionPool::Lease::~Lease() {
  if (conn_ && pool_ != nullptr) pool_->Release(std::move(conn_));
}

void ConnectionPool::Release(ConnPtr conn) {
  // A broken connection, or one left inside a transaction (an error between BEGIN and COMMIT
  // whose ROLLBACK could not be sent), is not handed to the next caller.
  const bool reusable =
      PQstatus(conn.get()) == CONNECTION_OK && PQtransactionStatus(conn.get()) == PQTRANS_IDLE;
  MutexLock lock(mu_);
  if (reusable) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  released_.Signal();
}

Result<ConnPtr> ConnectionPool::Connect() const {
  ConnPtr conn(PQconnectdb(conninfo_.c_str()));
  if (conn == nullptr) return Status::Unavailable("store: postgres: out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    // PQdb and PQhost are read from the parsed options: the database and the host (or socket
    // directory), never the password.
    const char* db = PQdb(conn.get());
    const char* host = PQhost(conn.get());
    return Status::Unavailable(
        std::string("store: cannot connect to PostgreSQL database '") + (db != nullptr ? db : "") +
        "' on '" + (host != nullptr ? host : "") + "': " + FirstLine(PQerrorMessage(conn.get())));
  }
  // Server notices (e.g. "relation … already exists, skipping" from the migration runner) are
  // not errors; libpq would print them on stderr.
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  if (read_only_) {
    SK_RETURN_IF_ERROR(
        Exec(conn.get(), "open read-only", "SET default_transaction_read_only = on").status());
  }
  return conn;
}

Result<ConnectionPool::Lease> ConnectionPool::Acquire() {
  {
    MutexLock lock(mu_);
    while (idle_.empty() && open_ >= max_size_) released_.Wait(mu_);
    if (!idle_.empty()) {
      ConnPtr conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_;  // reserved; connecting happens without the lock
  }
  Result<ConnPtr> conn = Connect();
  if (!conn.ok()) {
    MutexLock lock(mu_);
    --open_;
    released_.Signal();
    return conn.status();
  }
  return Lease(this, std::move(conn).value());
}

}  // namespace subkeeper::store::pg
