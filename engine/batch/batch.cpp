// The batch pipeline: the calling thread reads chunks of whole records and writes finished
// chunks in input order; N workers process chunks. At most `window` chunks are in flight,
// so memory is bounded however long the input is. With one thread there are no workers:
// the calling thread reads, decides and writes in turn.
#include "engine/batch/batch.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/batch/batch_record.hpp"

namespace covcheck::engine {

namespace {

using Clock = std::chrono::steady_clock;

struct Job {
  Chunk chunk;
  std::string out;
  RecordTally tally;
  bool done = false;
};

bool write_all(int fd, std::string_view data, std::string& error) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      error = n < 0 ? std::strerror(errno) : "short write";
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void process_chunk(RecordProcessor& processor, Job& job) {
  job.out.clear();
  const Chunk& c = job.chunk;
  for (const RecordRef& r : c.records) {
    if (r.oversized) {
      processor.oversized(r.line, job.out, job.tally);
      continue;
    }
    std::string_view text(c.text.data() + r.offset, r.length);
    processor.process(text, r.line, job.out, job.tally);
  }
}

}  // namespace

BatchSummary run_batch(const RuleSource& program, const dsl::SourceRegistry& rule_sources, int in_fd, int out_fd,
                       const BatchOptions& options, const std::function<void(const BatchProgress&)>& progress) {
  const Clock::time_point start = Clock::now();
  BatchSummary summary;
  RecordReader reader(in_fd, options.format, options.chunk_size);
  Clock::time_point last_progress = start;
  std::uint64_t bytes_done = 0;

  auto finish_job = [&](Job& job) {
    summary.records += job.tally.records;
    summary.errors += job.tally.errors;
    for (std::size_t i = 0; i < 4; ++i) summary.by_decision[i] += job.tally.by_decision[i];
    bytes_done = job.chunk.bytes_consumed;
    if (summary.output_error.empty()) write_all(out_fd, job.out, summary.output_error);
    if (progress && Clock::now() - last_progress > std::chrono::milliseconds(500)) {
      last_progress = Clock::now();
      progress({summary.records, bytes_done, std::chrono::duration<double>(last_progress - start).count()});
    }
  };

  const unsigned threads = std::max(1u, options.threads);
  if (threads == 1) {
    RecordProcessor processor(program, rule_sources, options);
    Job job;
    while (summary.output_error.empty() && reader.next(job.chunk)) {
      job.tally = {};
      process_chunk(processor, job);
      finish_job(job);
    }
  } else {
    std::mutex m;
    std::condition_variable work_ready, job_done;
    std::deque<Job*> todo;
    std::deque<std::unique_ptr<Job>> in_flight;  // in input order
    std::vector<std::unique_ptr<Job>> spare;     // finished jobs, reused for their buffers
    bool closing = false;
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        RecordProcessor processor(program, rule_sources, options);
        std::unique_lock lock(m);
        for (;;) {
          work_ready.wait(lock, [&] { return closing || !todo.empty(); });
          if (todo.empty()) return;
          Job* job = todo.front();
          todo.pop_front();
          lock.unlock();
          process_chunk(processor, *job);
          lock.lock();
          job->done = true;
          job_done.notify_all();
        }
      });
    }
    const std::size_t window = 4 * static_cast<std::size_t>(threads);
    // Writes every finished job at the head of the queue; waits for one when `wait_for_one`.
    auto drain = [&](std::unique_lock<std::mutex>& lock, bool wait_for_one) {
      if (wait_for_one) job_done.wait(lock, [&] { return in_flight.empty() || in_flight.front()->done; });
      while (!in_flight.empty() && in_flight.front()->done) {
        std::unique_ptr<Job> job = std::move(in_flight.front());
        in_flight.pop_front();
        lock.unlock();
        finish_job(*job);
        lock.lock();
        spare.push_back(std::move(job));
      }
    };
    for (;;) {
      std::unique_ptr<Job> job;
      {
        std::unique_lock lock(m);
        drain(lock, in_flight.size() >= window);
        if (!spare.empty()) {
          job = std::move(spare.back());
          spare.pop_back();
        }
      }
      if (!job) job = std::make_unique<Job>();
      if (!summary.output_error.empty() || !reader.next(job->chunk)) break;
      job->done = false;
      job->tally = {};
      std::lock_guard lock(m);
      todo.push_back(job.get());
      in_flight.push_back(std::move(job));
      work_ready.notify_one();
    }
    {
      std::unique_lock lock(m);
      while (!in_flight.empty()) drain(lock, true);
      closing = true;
      work_ready.notify_all();
    }
    for (std::thread& t : workers) t.join();
  }
  summary.input_error = reader.error();
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return summary;
}

}  // namespace covcheck::engine
