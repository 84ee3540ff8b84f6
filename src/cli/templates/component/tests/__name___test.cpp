#include "{{name}}/{{name}}.hpp"

#include <gtest/gtest.h>

namespace {

// A Work's run() can be called directly, outside an app: its State fields
// then simply hold the values it assigned.
TEST({{Name}}Test, CountsTheWordsOfTheText) {
  {{name}}::{{Name}} work;
  work.run({{"text", "to be  or not\tto be"}});
  EXPECT_EQ(work.words.get(), 6);
}

TEST({{Name}}Test, ThrowsWithoutText) {
  {{name}}::{{Name}} work;
  EXPECT_ANY_THROW(work.run(lightning::Json::object()));
}

}  // namespace
