// Migrations compiled from schema/NNNN_name.sql (see cmake/EmbedMigrations.cmake).
#pragma once

#include <vector>

namespace subkeeper::store {

struct Migration {
  int version;       // NNNN
  const char* name;  // "0001_init"
  const char* sql;
};

// In increasing version order, without gaps.
const std::vector<Migration>& EmbeddedMigrations();

}  // namespace subkeeper::store
