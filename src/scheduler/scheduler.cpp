// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "scheduler/scheduler.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <utility>

namespace lightning::scheduler {

struct Scheduler::Worker {
  WorkerId id;
  std::string name;
  Resources total;
  int64_t free_milli_cpus = 0;
  int64_t free_memory = 0;
  std::vector<char> gpu_busy;  // parallel to total.gpus
  util::ClockInterface::TimePoint last_heartbeat;
  std::unordered_set<Work*> works;
  std::set<uint64_t> reserved_by;  // submission numbers of works that reserved it
};

struct Scheduler::Work {
  WorkRequest req;
  uint64_t seq = 0;
  bool placed = false;
  bool committed = false;  // placed for real (not tentatively, inside a gang's try)
  Worker* worker = nullptr;
  std::vector<int> gpus;
  uint64_t attempt = 0;
  int skips = 0;
  Worker* reserved_on = nullptr;
  bool seen = false;  // a schedule() has looked at it (and could not place it)
};

struct Scheduler::Gang {
  std::string id;
  int size = 0;
  bool one_per_worker = false;
  bool barrier = false;  // starving: nothing submitted after it is placed until it is
  std::vector<Work*> members;
};

namespace {

// `wanted` is a part of `model`, ignoring case ("h100" in "NVIDIA H100 80GB HBM3").
bool model_matches(const std::string& model, const std::string& wanted) {
  if (wanted.empty()) return true;
  auto same = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  };
  return std::search(model.begin(), model.end(), wanted.begin(), wanted.end(), same) != model.end();
}

bool labels_match(const Resources& r, const std::map<std::string, std::string>& wanted) {
  for (const auto& [k, v] : wanted) {
    auto it = r.labels.find(k);
    if (it == r.labels.end() || it->second != v) return false;
  }
  return true;
}

std::string gpus_text(int n, const std::string& accelerator) {
  return std::to_string(n) + (accelerator.empty() ? "" : " " + accelerator) +
         (n == 1 ? " GPU" : " GPUs");
}

// What a worker is charged for a work's CPUs: nothing for a work that asks
// for nothing at all (it always fits: a local run's plain works, hundreds at
// once on a small machine), else Compute::charged_milli_cpus().
int64_t charged_cpus(const Compute& c) { return c.is_empty() ? 0 : c.charged_milli_cpus(); }

std::string cpus_text(int64_t milli) {
  return format_cpus(milli) + (milli == 1000 ? " CPU" : " CPUs");
}

}  // namespace

Scheduler::Scheduler(util::ClockInterface& clock, SchedulerOptions options)
    : clock_(clock), options_(options) {}

Scheduler::~Scheduler() = default;

// ------------------------------------------------------------------ workers

Registration Scheduler::add_worker(const std::string& name, Resources resources) {
  Registration out;
  const int n = ++registrations_[name];
  out.id = n == 1 ? name : name + "#" + std::to_string(n);
  if (n > 1) {
    // Its old identity may still be live (it restarted before it was declared lost).
    const WorkerId old = n == 2 ? name : name + "#" + std::to_string(n - 1);
    if (workers_.count(old) != 0) {
      out.lost = take_back_worker(old, "worker '" + old + "' registered again (it restarted)");
    }
    out.kill_running = !orderly_.count(name);
  }
  orderly_.erase(name);
  resources.milli_cpus = std::max<int64_t>(resources.milli_cpus, 0);
  resources.memory_bytes = std::max<int64_t>(resources.memory_bytes, 0);
  auto w = std::make_unique<Worker>();
  w->id = out.id;
  w->name = name;
  w->free_milli_cpus = resources.milli_cpus;
  w->free_memory = resources.memory_bytes;
  w->gpu_busy.assign(resources.gpus.size(), 0);
  w->total = std::move(resources);
  w->last_heartbeat = clock_.now();
  gained_.insert(w.get());
  workers_[out.id] = std::move(w);
  aggregates_dirty_ = true;
  return out;
}

bool Scheduler::heartbeat(const WorkerId& id) {
  auto it = workers_.find(id);
  if (it == workers_.end()) return false;
  it->second->last_heartbeat = clock_.now();
  return true;
}

std::vector<LostWork> Scheduler::remove_worker(const WorkerId& id) {
  auto it = workers_.find(id);
  if (it == workers_.end()) return {};
  orderly_.insert(it->second->name);
  return take_back_worker(id, "worker '" + id + "' removed");
}

std::vector<LostWork> Scheduler::check_liveness() {
  std::vector<LostWork> out;
  const auto now = clock_.now();
  std::vector<WorkerId> lost;
  for (const auto& [id, w] : workers_) {
    if (now - w->last_heartbeat >= options_.heartbeat_timeout) lost.push_back(id);
  }
  for (const WorkerId& id : lost) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        now - workers_.at(id)->last_heartbeat);
    auto taken = take_back_worker(
        id, "worker '" + id + "' lost: no heartbeat for " + std::to_string(ms.count()) + " ms");
    out.insert(out.end(), std::make_move_iterator(taken.begin()),
               std::make_move_iterator(taken.end()));
  }
  return out;
}

std::vector<LostWork> Scheduler::take_back_worker(const WorkerId& id, const std::string& reason) {
  std::vector<LostWork> out;
  auto it = workers_.find(id);
  if (it == workers_.end()) return out;
  Worker* w = it->second.get();
  // Sorted for a deterministic order of the answer.
  std::vector<std::pair<uint64_t, WorkId>> placed;
  for (const Work* k : w->works) placed.emplace_back(k->seq, k->req.work);
  std::sort(placed.begin(), placed.end());
  for (const auto& [seq, id] : placed) {
    // Taking back a gang takes its other members too: look each one up again.
    auto k = works_.find(id);
    if (k != works_.end() && k->second->placed) take_back(*k->second, reason, out);
  }
  // Works that reserved it reserve again when they next wait.
  for (uint64_t seq : w->reserved_by) {
    auto q = queue_.find(seq);
    if (q != queue_.end() && q->second->reserved_on == w) q->second->reserved_on = nullptr;
  }
  gained_.erase(w);
  workers_.erase(it);
  aggregates_dirty_ = true;
  return out;
}

void Scheduler::take_back(Work& k, const std::string& reason, std::vector<LostWork>& out) {
  // A gang runs as a unit (one rank gone stops the training): its other
  // placed members are taken back with it.
  std::vector<Work*> unit{&k};
  if (!k.req.gang.empty()) {
    auto g = gangs_.find(k.req.gang);
    if (g != gangs_.end()) {
      for (Work* m : g->second->members) {
        if (m != &k && m->placed) unit.push_back(m);
      }
    }
  }
  const std::string mates_reason =
      "gang '" + k.req.gang + "': '" + k.req.work + "' was lost (" + reason + ")";
  for (Work* m : unit) {
    out.push_back(
        LostWork{m->req.work, m->worker->id, m->attempt, m == &k ? reason : mates_reason});
    unassign(*m);
    forget(*m);  // destroys m (k too, first)
  }
}

// ------------------------------------------------------------------ works

bool Scheduler::submit(WorkRequest request) {
  if (works_.count(request.work) != 0) return false;
  Gang* gang = nullptr;
  if (!request.gang.empty()) {
    if (request.gang_size < 1) return false;
    auto& g = gangs_[request.gang];
    if (!g) {
      g = std::make_unique<Gang>();
      g->id = request.gang;
      g->size = request.gang_size;
      g->one_per_worker = request.one_per_worker;
    } else if (g->size != request.gang_size || g->one_per_worker != request.one_per_worker) {
      return false;
    }
    gang = g.get();
  }
  auto k = std::make_unique<Work>();
  k->req = std::move(request);
  k->seq = ++next_seq_;
  Work* raw = k.get();
  works_[raw->req.work] = std::move(k);
  queue_[raw->seq] = raw;
  if (gang != nullptr) gang->members.push_back(raw);
  return true;
}

bool Scheduler::release(const WorkId& work, uint64_t attempt) {
  auto it = works_.find(work);
  if (it == works_.end() || !it->second->placed || it->second->attempt != attempt) return false;
  unassign(*it->second);
  forget(*it->second);
  return true;
}

bool Scheduler::cancel(const WorkId& work) {
  auto it = works_.find(work);
  if (it == works_.end() || it->second->placed) return false;
  forget(*it->second);
  return true;
}

void Scheduler::forget(Work& k) {
  clear_reservation(k);
  queue_.erase(k.seq);
  if (!k.req.gang.empty()) {
    auto g = gangs_.find(k.req.gang);
    if (g != gangs_.end()) {
      auto& m = g->second->members;
      m.erase(std::remove(m.begin(), m.end(), &k), m.end());
      if (m.empty()) gangs_.erase(g);
    }
  }
  works_.erase(k.req.work);  // destroys k
}

bool Scheduler::is_current(const WorkId& work, uint64_t attempt) const {
  auto it = works_.find(work);
  return it != works_.end() && it->second->placed && it->second->attempt == attempt;
}

std::optional<Placement> Scheduler::placement_of(const WorkId& work) const {
  auto it = works_.find(work);
  if (it == works_.end() || !it->second->placed) return std::nullopt;
  const Work& k = *it->second;
  return Placement{k.req.work, k.worker->id, k.gpus, k.attempt};
}

size_t Scheduler::placed_count() const { return works_.size() - queue_.size(); }

std::optional<Resources> Scheduler::free_on(const WorkerId& id) const {
  auto it = workers_.find(id);
  if (it == workers_.end()) return std::nullopt;
  const Worker& w = *it->second;
  Resources r;
  r.milli_cpus = w.free_milli_cpus;
  r.memory_bytes = w.free_memory;
  for (size_t i = 0; i < w.total.gpus.size(); ++i) {
    if (w.gpu_busy[i] == 0) r.gpus.push_back(w.total.gpus[i]);
  }
  r.labels = w.total.labels;
  return r;
}

std::vector<WorkerId> Scheduler::workers() const {
  std::vector<WorkerId> out;
  out.reserve(workers_.size());
  for (const auto& [id, w] : workers_) out.push_back(id);
  return out;
}

// ------------------------------------------------------------------ fitting

int Scheduler::free_gpus_for(const Worker& w, const std::string& accelerator) {
  int n = 0;
  for (size_t i = 0; i < w.total.gpus.size(); ++i) {
    if (w.gpu_busy[i] == 0 && model_matches(w.total.gpus[i].model, accelerator)) ++n;
  }
  return n;
}

int Scheduler::total_gpus_for(const Worker& w, const std::string& accelerator) {
  if (accelerator.empty()) return static_cast<int>(w.total.gpus.size());
  int n = 0;
  for (const Gpu& g : w.total.gpus) n += model_matches(g.model, accelerator) ? 1 : 0;
  return n;
}

bool Scheduler::fits_empty(const Worker& w, const Work& k) const {
  const Compute& c = k.req.compute;
  return charged_cpus(c) <= w.total.milli_cpus && c.memory_bytes() <= w.total.memory_bytes &&
         (c.gpus() == 0 || total_gpus_for(w, c.accelerator()) >= c.gpus()) &&
         labels_match(w.total, k.req.labels);
}

bool Scheduler::has_free_slot(const Worker& w) {
  return w.total.max_processes <= 0 || static_cast<int64_t>(w.works.size()) < w.total.max_processes;
}

bool Scheduler::fits_now(const Worker& w, const Work& k) const {
  const Compute& c = k.req.compute;
  if (!has_free_slot(w)) return false;
  if (charged_cpus(c) > w.free_milli_cpus || c.memory_bytes() > w.free_memory) return false;
  if (c.gpus() > 0 && free_gpus_for(w, c.accelerator()) < c.gpus()) return false;
  // A worker reserved by an earlier work takes nothing submitted after it,
  // but a work that asks for nothing: it takes no room from the reservation.
  if (!w.reserved_by.empty() && *w.reserved_by.begin() < k.seq && !c.is_empty()) return false;
  return labels_match(w.total, k.req.labels);
}

double Scheduler::load_after(const Worker& w, const Work& k) const {
  const Compute& c = k.req.compute;
  double load = 0;
  if (w.total.milli_cpus > 0) {
    load = 1.0 - static_cast<double>(w.free_milli_cpus - charged_cpus(c)) /
                     static_cast<double>(w.total.milli_cpus);
  }
  if (w.total.memory_bytes > 0) {
    load = std::max(load, 1.0 - static_cast<double>(w.free_memory - c.memory_bytes()) /
                                    static_cast<double>(w.total.memory_bytes));
  }
  if (!w.total.gpus.empty()) {
    const int free = free_gpus_for(w, "") - c.gpus();
    load =
        std::max(load, 1.0 - static_cast<double>(free) / static_cast<double>(w.total.gpus.size()));
  }
  return load;
}

void Scheduler::refresh_aggregates() {
  if (!aggregates_dirty_) return;
  max_free_cpus_ = 0;
  max_free_memory_ = 0;
  max_free_gpus_ = 0;
  any_free_slot_ = false;
  for (const auto& [id, w] : workers_) {
    any_free_slot_ = any_free_slot_ || has_free_slot(*w);
    max_free_cpus_ = std::max(max_free_cpus_, w->free_milli_cpus);
    max_free_memory_ = std::max(max_free_memory_, w->free_memory);
    max_free_gpus_ = std::max(max_free_gpus_, free_gpus_for(*w, ""));
  }
  aggregates_dirty_ = false;
}

Scheduler::Worker* Scheduler::choose(const Work& k,
                                     const std::unordered_set<const Worker*>& exclude,
                                     const std::unordered_set<Worker*>* only) {
  // A cheap necessary condition first: with a long queue and full workers,
  // most works stop here instead of looking at every worker.
  refresh_aggregates();
  const Compute& c = k.req.compute;
  if (!any_free_slot_ || charged_cpus(c) > max_free_cpus_ || c.memory_bytes() > max_free_memory_ ||
      c.gpus() > max_free_gpus_) {
    return nullptr;
  }
  Worker* best = nullptr;
  double best_load = 0;
  auto consider = [&](Worker* w) {
    if (!exclude.empty() && exclude.count(w) != 0) return;
    if (!fits_now(*w, k)) return;
    const double load = load_after(*w, k);
    // Ties go to the worker running fewer works (works asking for nothing
    // load no worker, and would all land on one), then to the first by
    // identity, whatever order `only` has.
    const bool better =
        best == nullptr ||
        (options_.policy == Policy::kPack ? load > best_load : load < best_load) ||
        (load == best_load && (w->works.size() < best->works.size() ||
                               (w->works.size() == best->works.size() && w->id < best->id)));
    if (better) {
      best = w;
      best_load = load;
    }
  };
  if (only != nullptr) {
    for (Worker* w : *only) consider(w);
  } else {
    for (const auto& [id, wp] : workers_) consider(wp.get());
  }
  return best;
}

void Scheduler::assign(Work& k, Worker& w) {
  const Compute& c = k.req.compute;
  k.placed = true;
  k.worker = &w;
  k.gpus.clear();
  for (size_t i = 0; i < w.total.gpus.size() && static_cast<int>(k.gpus.size()) < c.gpus(); ++i) {
    if (w.gpu_busy[i] == 0 && model_matches(w.total.gpus[i].model, c.accelerator())) {
      w.gpu_busy[i] = 1;
      k.gpus.push_back(w.total.gpus[i].index);
    }
  }
  w.free_milli_cpus -= charged_cpus(c);
  w.free_memory -= c.memory_bytes();
  w.works.insert(&k);
  aggregates_dirty_ = true;
}

void Scheduler::unassign(Work& k) {
  if (!k.placed) return;
  Worker& w = *k.worker;
  const Compute& c = k.req.compute;
  for (int index : k.gpus) {
    for (size_t i = 0; i < w.total.gpus.size(); ++i) {
      if (w.total.gpus[i].index == index) w.gpu_busy[i] = 0;
    }
  }
  w.free_milli_cpus += charged_cpus(c);
  w.free_memory += c.memory_bytes();
  w.works.erase(&k);
  gained_.insert(&w);
  k.placed = false;
  k.committed = false;
  k.worker = nullptr;
  k.gpus.clear();
  aggregates_dirty_ = true;
}

Placement Scheduler::commit(Work& k) {
  k.committed = true;
  k.attempt = ++attempts_[k.req.work];
  k.skips = 0;
  clear_reservation(k);
  queue_.erase(k.seq);
  return Placement{k.req.work, k.worker->id, k.gpus, k.attempt};
}

void Scheduler::reserve(Work& k) {
  // Among the workers it fits on when empty and that nobody reserved yet (one
  // reservation per worker keeps back-filling alive on the rest, as EASY
  // back-filling does), the one with the most free now.
  Worker* best = nullptr;
  double best_load = 0;
  for (const auto& [id, wp] : workers_) {
    if (!wp->reserved_by.empty() || !fits_empty(*wp, k)) continue;
    const double load = load_after(*wp, k);
    if (best == nullptr || load < best_load) {
      best = wp.get();
      best_load = load;
    }
  }
  if (best == nullptr) return;
  k.reserved_on = best;
  best->reserved_by.insert(k.seq);
}

void Scheduler::clear_reservation(Work& k) {
  if (k.reserved_on != nullptr) {
    gained_.insert(k.reserved_on);  // open again to works submitted after k
    k.reserved_on->reserved_by.erase(k.seq);
    k.reserved_on = nullptr;
  }
  if (!k.req.gang.empty()) {
    auto g = gangs_.find(k.req.gang);
    if (g != gangs_.end() && k.placed) g->second->barrier = false;
  }
}

bool Scheduler::gang_ready(const Gang& g) const {
  int pending = 0;
  for (const Work* m : g.members) pending += m->placed ? 0 : 1;
  return pending == g.size;
}

bool Scheduler::try_gang(Gang& g, std::vector<Placement>& out) {
  std::vector<Work*> members = g.members;
  std::sort(members.begin(), members.end(), [](Work* a, Work* b) { return a->seq < b->seq; });
  std::unordered_set<const Worker*> used;
  std::vector<Work*> done;
  for (Work* m : members) {
    Worker* w = choose(*m, g.one_per_worker ? used : std::unordered_set<const Worker*>{});
    if (w == nullptr) {
      for (Work* d : done) unassign(*d);  // none or all
      return false;
    }
    assign(*m, *w);
    used.insert(w);
    done.push_back(m);
  }
  for (Work* m : done) out.push_back(commit(*m));
  g.barrier = false;
  return true;
}

std::vector<Placement> Scheduler::schedule() {
  std::vector<Placement> out;
  std::vector<Work*> order;
  order.reserve(queue_.size());
  for (const auto& [seq, k] : queue_) order.push_back(k);
  std::vector<Work*> blocked;
  std::unordered_set<const Gang*> tried;
  uint64_t last_placed_seq = 0;
  bool walked_all = true;
  for (Work* k : order) {
    if (k->placed) continue;  // its gang was placed earlier in this call
    // Behind a starving gang only works that ask for nothing go on.
    if (!walked_all && !(k->req.gang.empty() && k->req.compute.is_empty())) continue;
    if (!k->req.gang.empty()) {
      Gang& g = *gangs_.at(k->req.gang);
      if (!tried.insert(&g).second || !gang_ready(g)) continue;
      if (try_gang(g, out)) {
        last_placed_seq = std::max(last_placed_seq, k->seq);
        continue;
      }
      blocked.push_back(k);
      if (g.barrier) walked_all = false;  // starving: nothing after it until it runs
      continue;
    }
    // A work that already waited can only fit where room was gained since.
    Worker* w = choose(*k, {}, k->seen ? &gained_ : nullptr);
    k->seen = true;
    if (w != nullptr) {
      assign(*k, *w);
      out.push_back(commit(*k));
      last_placed_seq = std::max(last_placed_seq, k->seq);
    } else {
      blocked.push_back(k);
    }
  }
  // Works that later ones were back-filled past: after max_skips such rounds
  // they reserve room (a gang: a barrier), so a stream of small works cannot
  // starve them.
  for (Work* k : blocked) {
    if (k->seq > last_placed_seq) continue;
    if (++k->skips < options_.max_skips) continue;
    if (!k->req.gang.empty()) {
      gangs_.at(k->req.gang)->barrier = true;
    } else if (k->reserved_on == nullptr) {
      reserve(*k);
    }
  }
  // Works not looked at (behind a barrier) still need to see where room was gained.
  if (walked_all) gained_.clear();
  return out;
}

// ------------------------------------------------------------------ reasons

bool Scheduler::fits_some_worker(const WorkId& work) const {
  auto it = works_.find(work);
  if (it == works_.end()) return false;
  for (const auto& [id, w] : workers_) {
    if (fits_empty(*w, *it->second)) return true;
  }
  return false;
}

std::string Scheduler::pending_reason(const WorkId& work) const {
  auto it = works_.find(work);
  if (it == works_.end() || it->second->placed) return "";
  return reason_for(*it->second);
}

std::string Scheduler::reason_for(const Work& k) const {
  const Compute& c = k.req.compute;
  const Gang* gang = nullptr;
  std::string prefix;
  if (!k.req.gang.empty()) {
    gang = gangs_.at(k.req.gang).get();
    int pending = 0;
    for (const Work* m : gang->members) pending += m->placed ? 0 : 1;
    if (pending < gang->size) {
      return "waiting for the rest of gang '" + gang->id + "': " + std::to_string(pending) +
             " of " + std::to_string(gang->size) + " works submitted";
    }
    prefix = "gang '" + gang->id + "' of " + std::to_string(gang->size) + ": ";
  }
  if (workers_.empty()) return prefix + "no worker has registered yet";
  // Fits nowhere, even on an empty worker?
  int fit_empty = 0;
  int64_t largest_cpus = 0, largest_memory = 0;
  int largest_gpus = 0;
  bool any_labelled = false;
  for (const auto& [id, w] : workers_) {
    if (fits_empty(*w, k)) ++fit_empty;
    if (!labels_match(w->total, k.req.labels)) continue;
    any_labelled = true;
    largest_cpus = std::max(largest_cpus, w->total.milli_cpus);
    largest_memory = std::max(largest_memory, w->total.memory_bytes);
    largest_gpus = std::max(largest_gpus, total_gpus_for(*w, c.accelerator()));
  }
  if (fit_empty == 0) {
    if (!any_labelled) {
      std::string wanted;
      for (const auto& [key, v] : k.req.labels)
        wanted += (wanted.empty() ? "" : ", ") + key + "=" + v;
      return prefix + "no worker has the labels " + wanted;
    }
    if (c.gpus() > largest_gpus) {
      return prefix + "no worker has " + gpus_text(c.gpus(), c.accelerator()) +
             " (largest: " + std::to_string(largest_gpus) + ")";
    }
    if (charged_cpus(c) > largest_cpus) {
      return prefix + "no worker has " + cpus_text(charged_cpus(c)) +
             " (largest: " + format_cpus(largest_cpus) + ")";
    }
    if (c.memory_bytes() > largest_memory) {
      return prefix + "no worker has " + format_memory(c.memory_bytes()) +
             " of memory (largest: " + format_memory(largest_memory) + ")";
    }
    return prefix + "no worker has " + c.describe() + " together";
  }
  if (gang != nullptr && gang->one_per_worker && fit_empty < gang->size) {
    return prefix + "needs " + std::to_string(gang->size) + " workers that can each hold " +
           c.describe() + "; " + std::to_string(fit_empty) + " can";
  }
  // It waits for capacity: name the first resource short everywhere.
  int free_gpus = 0, total_gpus = 0, max_free_gpus = 0;
  int64_t free_cpus = 0, total_cpus = 0, max_free_cpus = 0;
  int64_t free_memory = 0, total_memory = 0, max_free_memory = 0;
  const Worker* reserved_fit = nullptr;
  for (const auto& [id, w] : workers_) {
    if (!labels_match(w->total, k.req.labels)) continue;
    const int g = free_gpus_for(*w, c.accelerator());
    free_gpus += g;
    total_gpus += total_gpus_for(*w, c.accelerator());
    max_free_gpus = std::max(max_free_gpus, g);
    free_cpus += w->free_milli_cpus;
    total_cpus += w->total.milli_cpus;
    max_free_cpus = std::max(max_free_cpus, w->free_milli_cpus);
    free_memory += w->free_memory;
    total_memory += w->total.memory_bytes;
    max_free_memory = std::max(max_free_memory, w->free_memory);
    const bool fits_but_reserved = !w->reserved_by.empty() && *w->reserved_by.begin() < k.seq &&
                                   charged_cpus(c) <= w->free_milli_cpus &&
                                   c.memory_bytes() <= w->free_memory && g >= c.gpus();
    if (fits_but_reserved && reserved_fit == nullptr) reserved_fit = w.get();
  }
  const std::string waiting = prefix + "waiting for resources: needs ";
  auto spread = [](bool enough_in_sum, const std::string& at_most) {
    return enough_in_sum ? " (at most " + at_most + " free on one worker)" : std::string();
  };
  if (c.gpus() > max_free_gpus) {
    return waiting + gpus_text(c.gpus(), c.accelerator()) + ", " + std::to_string(free_gpus) +
           " free of " + std::to_string(total_gpus) +
           spread(free_gpus >= c.gpus(), std::to_string(max_free_gpus));
  }
  if (charged_cpus(c) > max_free_cpus) {
    return waiting + cpus_text(charged_cpus(c)) + ", " + format_cpus(free_cpus) +
           " free of " + format_cpus(total_cpus) +
           spread(free_cpus >= charged_cpus(c), format_cpus(max_free_cpus));
  }
  if (c.memory_bytes() > max_free_memory) {
    return waiting + format_memory(c.memory_bytes()) + " of memory, " + format_memory(free_memory) +
           " free of " + format_memory(total_memory) +
           spread(free_memory >= c.memory_bytes(), format_memory(max_free_memory));
  }
  if (reserved_fit != nullptr) {
    const uint64_t first = *reserved_fit->reserved_by.begin();
    auto q = queue_.find(first);
    const std::string who = q != queue_.end() ? "'" + q->second->req.work + "'" : "an earlier work";
    return prefix + "waiting behind " + who + ", which has reserved worker '" + reserved_fit->id +
           "' so that it is not starved";
  }
  for (const auto& [id, g] : gangs_) {
    if (!g->barrier || g.get() == gang) continue;
    for (const Work* m : g->members) {
      if (!m->placed && m->seq < k.seq) {
        return prefix + "waiting behind gang '" + g->id +
               "', which has waited longest and is placed first";
      }
    }
  }
  // Room for it somewhere, but no process slot there.
  bool any_free = false;
  int64_t running = 0, slots = 0;
  for (const auto& [id, w] : workers_) {
    if (!labels_match(w->total, k.req.labels)) continue;
    any_free = any_free || has_free_slot(*w);
    running += static_cast<int64_t>(w->works.size());
    slots += w->total.max_processes;
  }
  if (!any_free) {
    return prefix + "waiting for resources: " + std::string(kProcessSlots) + " (" +
           std::to_string(running) + " work processes on " + std::to_string(workers_.size()) +
           " workers, at most " + std::to_string(slots) + ")";
  }
  if (gang != nullptr) {
    return prefix + "waiting for resources: its " + std::to_string(gang->size) +
           " works do not fit all at once" +
           (gang->one_per_worker ? " on different workers" : std::string());
  }
  for (const auto& [id, w] : workers_) {
    if (fits_now(*w, k)) return prefix + "queued: it fits now and is placed at the next schedule()";
  }
  return prefix + "waiting for resources: no single worker has " + c.describe() + " free together";
}

}  // namespace lightning::scheduler
