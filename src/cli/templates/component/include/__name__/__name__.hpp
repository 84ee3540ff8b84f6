// {{name}}: a Lightning component.
#pragma once

#include <lightning/lightning.hpp>

namespace {{name}} {

/// Counts the words of a text, in its own process. Use it from a flow:
///
///   auto& counter = add_work<{{name}}::{{Name}}>("counter");
///   if (counter.call({{"text", "to be or not"}}).has_succeeded()) use(counter.words.get());
struct {{Name}} : lightning::Work {
  /// How many words the last call's text had.
  lightning::State<int> words{this, "words", 0};

  /// Counts the blank-separated words of args["text"] (a string) into `words`.
  /// Throws nlohmann::json::exception when "text" is missing or not a string
  /// (the call then fails with that message).
  void run(const lightning::Json& args) override;
};

}  // namespace {{name}}
