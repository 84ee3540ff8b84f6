// ServeWork (docs/components/serve.md): a work writes a TorchScript model made
// in C++, a ServeWork serves it over the Open Inference Protocol on port 8000
// until the app is stopped (Ctrl-C).
//   lightning-run docs/examples/components/serve_doubler.cpp
//   curl -s localhost:8000/v2/models/doubler/infer \
//     -d '{"inputs":[{"name":"x","datatype":"FP32","shape":[2,2],"data":[[1,2],[3,4]]}]}'
#include <lightning/components/serve.hpp>
#include <lightning/lightning.hpp>
#include <torch/script.h>

namespace lc = lightning::components;

// Writes y = x * 2 as TorchScript (no Python needed).
struct Export : lightning::Work {
  lightning::State<lightning::Path> file{this, "file"};
  void run(const lightning::Json&) override {
    lightning::Path p("doubler.pt");
    torch::jit::Module m("Doubler");
    m.register_attribute("training", c10::BoolType::get(), true);
    m.register_parameter("scale", torch::full({2}, 2.0), false);
    m.define("def forward(self, x):\n  return x * self.scale\n");
    m.save(p.local().string());
    file = p;
  }
};

struct Root : lightning::Flow {
  Export& exporter = add_work<Export>("export");
  lc::ServeWork& serve = add_work<lc::ServeWork>("serve", lightning::WorkOptions().parallel(true));
  void run() override {
    if (!exporter.call().has_succeeded()) return;
    serve.model = exporter.file.get();
    serve.call({{"model_name", "doubler"},
                {"port", 8000},
                {"inputs", {{{"name", "x"}, {"datatype", "FP32"}, {"shape", {-1, 2}}}}},
                {"outputs", {{{"name", "y"}, {"datatype", "FP32"}, {"shape", {-1, 2}}}}}});
  }
};
LIGHTNING_APP(Root)
