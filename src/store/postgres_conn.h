// A thin RAII layer over libpq for the PostgreSQL store: owned connections and results, bind
// values, typed reads of text-format rows, SQLSTATE → Status, and a small connection pool.
// Internal to src/store: nothing outside it sees a PGconn or a PGresult.
//
// Every statement with values goes through PQexecParams (values never spliced into SQL text,
// https://www.postgresql.org/docs/15/libpq-exec.html#LIBPQ-PQEXECPARAMS), unnamed, so a
// transaction-pooling PgBouncer in front of the server needs no prepared-statement support.
// Error messages carry the server's primary message only: never the connection string (it may
// hold a password) and never DETAIL, which can quote row values.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "subkeeper/common/clock.h"
#include "subkeeper/common/mutex.h"
#include "subkeeper/common/status.h"

namespace subkeeper::store::pg {

struct ConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using ConnPtr = std::unique_ptr<PGconn, ConnDeleter>;

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// The bind values of one statement ($1, $2, … in the order added). Text format, except Bytes
// (binary, so bytea takes any byte, NUL included).
class Params {
 public:
  Params& Text(std::string_view value);
  Params& Int(int64_t value);
  Params& Bool(bool value);
  Params& Time(WallTime value);  // Unix milliseconds, 0 = unset: the SQLite codec's encoding
  Params& Bytes(std::string_view value);
  Params& Null();

  int size() const { return static_cast<int>(values_.size()); }
  // Arrays for PQexecParams; valid until the next Add.
  std::vector<const char*> ValuePointers() const;
  const int* Lengths() const { return lengths_.data(); }
  const int* Formats() const { return formats_.data(); }

 private:
  Params& Add(std::string value, int format, bool null);

  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

// The rows of a statement's result, read by (row, column) in text format.
class Rows {
 public:
  explicit Rows(ResultPtr result) : result_(std::move(result)) {}

  int size() const { return PQntuples(result_.get()); }
  bool empty() const { return size() == 0; }
  std::string Text(int row, int col) const;
  int64_t Int(int row, int col) const;
  bool Bool(int row, int col) const;
  WallTime Time(int row, int col) const;
  // A bytea column (hex output, https://www.postgresql.org/docs/15/datatype-binary.html).
  // kDataLoss when it is not in hex form.
  Result<std::string> Bytes(int row, int col) const;
  // Rows changed by an INSERT / UPDATE / DELETE.
  int64_t Affected() const;

 private:
  ResultPtr result_;
};

// Maps a failed result (or a connection failure when `result` is null) to a Status whose
// message is "store: <operation>: <primary message>". SQLSTATE classes
// (https://www.postgresql.org/docs/15/errcodes-appendix.html):
//   08 connection, 40 serialization/deadlock, 53 resources, 57 operator intervention,
//   55P03 lock not available, 25006 read-only transaction → kUnavailable (retry later);
//   XX001/XX002 corrupted data → kDataLoss; 22021/22P05 bad encoding → kInvalidArgument;
//   anything else → kInternal.
Status ErrorStatus(std::string_view operation, PGconn* conn, const PGresult* result);

// Runs `sql` with `params` on `conn`. On failure the Status names `operation`.
Result<Rows> Exec(PGconn* conn, std::string_view operation, const std::string& sql,
                  const Params& params = Params());

// The first line of a libpq message with every "quoted" fragment replaced by "…": parse errors
// quote pieces of the connection string, and any piece of it may be a password.
std::string WithoutQuoted(const char* message);

// Connections to one database, opened on demand up to `max_size` and reused: a thread takes
// one for a whole transaction and gives it back (the Lease's destructor). A connection that
// broke, or was left inside a transaction, is closed instead of reused. Thread-safe.
class ConnectionPool {
 public:
  class Lease {
   public:
    Lease(ConnectionPool* pool, ConnPtr conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    PGconn* get() const { return conn_.get(); }

   private:
    ConnectionPool* pool_;
    ConnPtr conn_;
  };

  // `conninfo` is a libpq connection string; it is a secret and never appears in a message.
  // With `read_only`, every connection's transactions are read-only
  // (default_transaction_read_only), so a reading command cannot write by mistake.
  ConnectionPool(std::string conninfo, int max_size, bool read_only = false);

  // A connection, waiting while `max_size` are in use. kUnavailable when a new one cannot be
  // opened (the message names the database and host only).
  Result<Lease> Acquire();

 private:
  void Release(ConnPtr conn);
  Result<ConnPtr> Connect() const;

  const std::string conninfo_;
  const int max_size_;
  const bool read_only_;
  Mutex mu_;
  CondVar released_;
  std::vector<ConnPtr> idle_ GUARDED_BY(mu_);
  int open_ GUARDED_BY(mu_) = 0;  // idle and leased
};

}  // namespace subkeeper::store::pg
