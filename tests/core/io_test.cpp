#include "semra/core/io.hpp"

#include <gtest/gtest.h>
#include <matio.h>

#include <filesystem>

#include "../support/tmpfs.hpp"
#include "../support/temp_dir.hpp"
#include "semra/core/error.hpp"
#include "semra/core/thread_pool.hpp"

namespace fs = std::filesystem;

namespace {
fs::path temp_dir(const std::string& name) {
  auto d = semra_test::temp_path(name);
  fs::create_directories(d);
  return d;
}
}  // namespace

TEST(Io, AtomicWriteReplacesWholeFileAndLeavesNoTemp) {
  const auto d = temp_dir("atomic");
  semra::write_file_atomic(d / "sub" / "a.txt", "first");
  semra::write_file_atomic(d / "sub" / "a.txt", "second");
  EXPECT_EQ(semra::read_file(d / "sub" / "a.txt"), "second");
  int files = 0;
  for (const auto& e : fs::directory_iterator(d / "sub")) (void)e, ++files;
  EXPECT_EQ(files, 1);
  fs::remove_all(d);
}

TEST(Io, ReadMissingFileNamesIt) {
  try {
    semra::read_file("/nonexistent/x.json");
    FAIL();
  } catch (const semra::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/x.json"), std::string::npos);
  }
}

TEST(Io, FormatDoubleRoundTrips) {
  for (double v : {0.1, 1.0 / 3.0, 1e-300, 123456789.0, -2.5}) {
    EXPECT_EQ(std::stod(semra::format_double(v)), v);
  }
  EXPECT_EQ(semra::format_double(0.5), "0.5");
}

TEST(Io, MatFileReadsBackWithMatio) {
  const auto d = temp_dir("mat");
  semra::MatFile m;
  m.add_array("a", {2, 3, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  m.add_strings("names", {"dhdrl", "random"});
  m.write(d / "r.mat");
  mat_t* mat = Mat_Open((d / "r.mat").c_str(), MAT_ACC_RDONLY);
  ASSERT_NE(mat, nullptr);
  matvar_t* a = Mat_VarRead(mat, "a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->rank, 3);
  EXPECT_EQ(a->dims[0], 2u);
  EXPECT_EQ(a->dims[2], 2u);
  EXPECT_EQ(static_cast<double*>(a->data)[11], 12.0);
  Mat_VarFree(a);
  matvar_t* names = Mat_VarRead(mat, "names");
  ASSERT_NE(names, nullptr);
  EXPECT_EQ(names->class_type, MAT_C_CELL);
  Mat_VarFree(names);
  Mat_Close(mat);
  fs::remove_all(d);
}

TEST(ThreadPool, EveryTaskRunsOnceAtAnyThreadCount) {
  for (int threads : {1, 2, 4}) {
    std::vector<int> hits(50, 0);
    semra::parallel_for(hits.size(), threads, [&](std::size_t i) { hits[i] += 1; });
    for (int h : hits) EXPECT_EQ(h, 1);
  }
}

TEST(ThreadPool, RethrowsTaskException) {
  EXPECT_THROW(semra::parallel_for(10, 2,
                                   [](std::size_t i) {
                                     if (i == 3) throw semra::InputError("bad");
                                   }),
               semra::InputError);
}

// Writers on a full disk (a 64 kB tmpfs; skipped where this process may not mount one): exit-2
// errors naming the path and the cause, no advice about --resume (the runner adds what became of a
// run directory), and the file complete or absent: no 0-byte results.mat, no temp file left.
TEST(Io, FullDiskLeavesNoPartialFileAndSaysWhy) {
  semra_test::Tmpfs full(temp_dir("full") / "mnt", 64 << 10);
  if (!full.ok()) GTEST_SKIP() << "cannot mount a tmpfs here";
  // 200 kB of values zlib cannot compress.
  std::vector<double> noise(25000);
  std::uint64_t x = 88172645463325252ULL;
  for (auto& v : noise) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    v = static_cast<double>(x) / 3.0;
  }
  semra::MatFile mat;
  mat.add_array("noise", {noise.size(), 1}, noise);
  const fs::path target = full.dir() / "results.mat";
  try {
    mat.write(target);
    FAIL() << "wrote 200 kB into a 64 kB file system";
  } catch (const semra::ResourceError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("cannot write '" + target.string() + "'"), std::string::npos) << m;
    EXPECT_NE(m.find("No space left on device"), std::string::npos) << m;
    EXPECT_EQ(m.find("--resume"), std::string::npos) << m;
  }
  std::string text(200 << 10, 'x');
  try {
    semra::write_file_atomic(full.dir() / "big.txt", text);
    FAIL();
  } catch (const semra::ResourceError& e) {
    EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos);
    EXPECT_EQ(std::string(e.what()).find("--resume"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_empty(full.dir())) << "a partial or temporary file was left";
}
