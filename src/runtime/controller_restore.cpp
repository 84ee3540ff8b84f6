// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Controller::restore_calls: the call tables of a resumed run
// (docs/design/journal.md, "Resume"). Its own file: resuming is not the flow
// loop's business, only its starting point.
#include <map>
#include <string>
#include <vector>

#include "runtime/controller.hpp"

namespace lightning::runtime {

void Controller::on_work_options_changed(Work& work) {
  Record* r = record_of(work);
  if (r == nullptr) return;
  r->calls.set_policy(Record::call_policy_of(work));
  for (RuntimeEventObserver* o : events_) o->on_work_declared(work);
}

Status Controller::restore_calls(const std::map<std::string, Json>& tables) {
  std::map<std::string, Record*> by_path;
  for (const auto& r : records_) {
    if (r) by_path[r->work->path()] = r.get();
  }
  std::vector<Record*> restored;
  for (const auto& [path, table] : tables) {
    const auto it = by_path.find(path);
    if (it == by_path.end()) {
      return InvalidArgument("the journal has calls of work '" + path +
                             "', which this app does not have (its snapshot and the journal's "
                             "list of works do not have it)");
    }
    if (Status st = it->second->calls.restore(table); !st.ok()) {
      return st.with_context("cannot restore the calls of work '" + path + "'");
    }
    restored.push_back(it->second);
  }
  for (Record* r : restored) {
    const CallRecord* latest = r->calls.latest();
    r->calls.for_each_record([&](const CallRecord& c) {
      for (RuntimeEventObserver* o : events_) o->on_call_record(*r->work, c, &c == latest);
    });
    // The snapshot shows what the work showed when the journal was written:
    // a call in flight then is pending now.
    if (latest != nullptr && latest->status.to_json() != r->work->status().to_json()) {
      set_status(*r->work, latest->status);
      publisher_.status_changed(*r->work);
      for (RuntimeEventObserver* o : events_) o->on_call_status(*r->work, latest->status, true);
    }
    pump(*r);
  }
  return Status::Ok();
}

}  // namespace lightning::runtime
