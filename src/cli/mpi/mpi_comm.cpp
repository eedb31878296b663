#include "cli/mpi/mpi_comm.h"

// The C API only (no C++ bindings, which would need libmpi_cxx).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace bnn::cli {
namespace {

bnn_communicator_v2 g_comm{};
bool g_started = false;
int g_size = 1;

// BNN_MPI_STATS=1: each rank prints, when it finishes, its calls, payload bytes and seconds in
// every kind of collective (docs/DISTRIBUTED.md; scripts/bench-mpi.sh reads them).
enum Kind { kSumI64, kSumF64, kSumF32, kBroadcast, kReduceScatter, kKinds };
const char* const kKindNames[kKinds] = {"allreduce_i64", "allreduce_f64", "allreduce_f32", "broadcast",
                                        "reduce_scatter"};
struct Stat {
  uint64_t calls = 0, bytes = 0;
  double seconds = 0;
};
Stat g_stats[kKinds];
struct Timed {
  Stat& s;
  double t0 = MPI_Wtime();
  Timed(Kind k, size_t bytes) : s(g_stats[k]) {
    ++s.calls;
    s.bytes += bytes;
  }
  ~Timed() { s.seconds += MPI_Wtime() - t0; }
};

void print_stats() {
  if (!std::getenv("BNN_MPI_STATS")) return;
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::string line = "bnn-mpi-stats {\"rank\": " + std::to_string(rank);
  for (int k = 0; k < kKinds; ++k) {
    char b[160];
    std::snprintf(b, sizeof b, ", \"%s\": {\"calls\": %llu, \"bytes\": %llu, \"seconds\": %.6f}",
                  kKindNames[k], static_cast<unsigned long long>(g_stats[k].calls),
                  static_cast<unsigned long long>(g_stats[k].bytes), g_stats[k].seconds);
    line += b;
  }
  std::fprintf(stderr, "%s}\n", line.c_str());
}

// Float sums: MPI_Allreduce. The standard does not promise the same bits on every rank, but
// Open MPI's algorithms (recursive doubling, ring, Rabenseifner) compute each element's sum once
// and pass it on, or combine in the same order; and it is twice as fast as a reduction to rank 0
// plus a broadcast here (2.2 ms against 4.7 ms for the 11.7 MB of the benchmark MLP, 2 ranks).
// The trainer updates each binarised kernel row on one rank only, and compares the ranks'
// models at the end of every epoch (INTERNAL if they differ).
template <class T>
int sum_float(T* d, size_t n, MPI_Datatype type) {
  if (n > static_cast<size_t>(INT_MAX)) return 2;
  return MPI_Allreduce(MPI_IN_PLACE, d, static_cast<int>(n), type, MPI_SUM, MPI_COMM_WORLD) == MPI_SUCCESS
             ? 0
             : 1;
}

int allreduce_i64(void*, int64_t* d, size_t n, int op) {
  Timed t(kSumI64, n * sizeof(int64_t));
  if (n > static_cast<size_t>(INT_MAX)) return 2;
  return MPI_Allreduce(MPI_IN_PLACE, d, static_cast<int>(n), MPI_INT64_T, op == 1 ? MPI_MAX : MPI_SUM,
                       MPI_COMM_WORLD) == MPI_SUCCESS ? 0 : 1;
}
int allreduce_f64(void*, double* d, size_t n) {
  Timed t(kSumF64, n * sizeof(double));
  return sum_float(d, n, MPI_DOUBLE);
}
int allreduce_f32(void*, float* d, size_t n) {
  Timed t(kSumF32, n * sizeof(float));
  return sum_float(d, n, MPI_FLOAT);
}
int broadcast(void*, void* d, size_t bytes, int root) {
  Timed t(kBroadcast, bytes);
  auto* p = static_cast<char*>(d);
  while (bytes > 0) {
    const size_t chunk = bytes > (1u << 30) ? (1u << 30) : bytes;
    if (MPI_Bcast(p, static_cast<int>(chunk), MPI_BYTE, root, MPI_COMM_WORLD) != MPI_SUCCESS) return 1;
    p += chunk;
    bytes -= chunk;
  }
  return 0;
}
// Ring reduce-scatter with MPI_Sendrecv: in size-1 steps each rank passes one block's partial sum
// to the next rank and adds its own values to the block it receives, so that block r is complete
// on rank r, summed once, in an order fixed by the size. (Open MPI's MPI_Reduce_scatter took
// longer than a whole MPI_Allreduce on this machine: 3.3-4.0 ms against 2.2 ms for 11.7 MB.)
// Blocks move in chunks of 256 KiB, each added while it is still in cache.
template <class T>
int ring_reduce_scatter(T* data, const size_t* counts, MPI_Datatype type) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::vector<size_t> off(static_cast<size_t>(size) + 1, 0);
  size_t biggest = 0;
  for (int r = 0; r < size; ++r) {
    if (counts[r] > static_cast<size_t>(INT_MAX)) return 2;
    off[r + 1] = off[r] + counts[r];
    biggest = std::max(biggest, counts[r]);
  }
  constexpr size_t kChunk = (size_t{256} << 10) / sizeof(T);
  static thread_local std::vector<T> tmp;
  tmp.resize(std::min(biggest, kChunk));
  const int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  for (int s = 0; s + 1 < size; ++s) {
    const int send = ((rank - s - 1) % size + size) % size;
    const int recv = ((rank - s - 2) % size + size) % size;
    // Chunk i of the block sent pairs with chunk i of the block received (the neighbour sends
    // that block in the same chunks); past the end of the shorter one, empty messages.
    const size_t ns = counts[send], nr = counts[recv];
    for (size_t c0 = 0; c0 < std::max(ns, nr); c0 += kChunk) {
      const size_t cs = c0 < ns ? std::min(kChunk, ns - c0) : 0;
      const size_t cr = c0 < nr ? std::min(kChunk, nr - c0) : 0;
      if (MPI_Sendrecv(data + off[send] + c0, static_cast<int>(cs), type, next, 77, tmp.data(),
                       static_cast<int>(cr), type, prev, 77, MPI_COMM_WORLD,
                       MPI_STATUS_IGNORE) != MPI_SUCCESS)
        return 1;
      T* dst = data + off[recv] + c0;
      for (size_t i = 0; i < cr; ++i) dst[i] += tmp[i];
    }
  }
  return 0;
}
int reduce_scatter(void*, void* data, const size_t* counts, int type) {
  size_t total = 0;
  for (int r = 0; r < g_size; ++r) total += counts[r];
  Timed t(kReduceScatter, total * (type == 1 ? sizeof(int64_t) : sizeof(float)));
  if (type == 0) return ring_reduce_scatter(static_cast<float*>(data), counts, MPI_FLOAT);
  if (type == 1) return ring_reduce_scatter(static_cast<int64_t*>(data), counts, MPI_INT64_T);
  return 3;
}
int barrier(void*) { return MPI_Barrier(MPI_COMM_WORLD) == MPI_SUCCESS ? 0 : 1; }

}  // namespace

const bnn_communicator_v2* mpi_communicator_from_launcher() {
  if (!std::getenv("OMPI_COMM_WORLD_SIZE") && !std::getenv("PMI_SIZE")) return nullptr;
  int inited = 0;
  MPI_Initialized(&inited);
  if (!inited) MPI_Init(nullptr, nullptr);
  g_started = true;
  // Failures come back as return codes (the library turns them into BNN_STATUS_IO).
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  if (g_size <= 1) return nullptr;
  bnn_communicator& c = g_comm.base;
  c.user = nullptr;
  c.rank = rank;
  c.size = g_size;
  c.allreduce_i64 = allreduce_i64;
  c.allreduce_f64 = allreduce_f64;
  c.allreduce_f32 = allreduce_f32;
  c.broadcast = broadcast;
  c.barrier = barrier;
  g_comm.reduce_scatter = reduce_scatter;
  return &g_comm;
}

void mpi_finish(int exit_code) {
  if (!g_started) return;
  int fin = 0;
  MPI_Finalized(&fin);
  if (fin) return;
  print_stats();
  if (exit_code != 0 && g_size > 1) MPI_Abort(MPI_COMM_WORLD, exit_code);
  MPI_Finalize();
}

}  // namespace bnn::cli
