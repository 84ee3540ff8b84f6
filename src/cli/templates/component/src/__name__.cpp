#include "{{name}}/{{name}}.hpp"

#include <sstream>
#include <string>

namespace {{name}} {

void {{Name}}::run(const lightning::Json& args) {
  std::istringstream in(args.at("text").get<std::string>());
  int count = 0;
  for (std::string word; in >> word;) ++count;
  words = count;
}

}  // namespace {{name}}
