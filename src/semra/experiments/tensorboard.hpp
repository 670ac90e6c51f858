#pragma once
// TensorBoard event files, written by hand (no TensorFlow, no protobuf library): the format is
// small and stable. A file is a sequence of records
//   uint64 length (little endian) | uint32 masked CRC32C of those 8 bytes | data |
//   uint32 masked CRC32C of data
// (tensorflow/core/lib/io/record_writer.cc), each data an `Event` protocol buffer
// (tensorflow/core/util/event.proto): the first carries file_version "brain.Event:2", the others
// wall_time, step and a Summary of scalar values {tag, simple_value}. TensorBoard, and W&B's
// TensorBoard import, read these files. They record wall time, so they are outside the
// byte-identity guarantee of docs/outputs.md.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace semra::tensorboard {

// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), continuing from `crc` (0 to start).
std::uint32_t crc32c(std::string_view data, std::uint32_t crc = 0);
// The record format's masking: rotate right by 15 bits, add 0xa282ead8.
std::uint32_t masked_crc32c(std::string_view data);

// One framed record around `data`.
std::string record(std::string_view data);

// Event protocol buffers (serialized, unframed).
std::string file_version_event(double wall_time_s);
std::string scalars_event(double wall_time_s, std::int64_t step,
                          const std::vector<std::string>& tags, const std::vector<double>& values);

// A decoded Event: the fields we write.
struct Event {
  double wall_time_s = 0;
  std::int64_t step = 0;
  std::string file_version;
  std::vector<std::pair<std::string, float>> scalars;
  std::size_t end_offset = 0;  // byte offset in the file just past this record
};

// Decodes a whole event file. A truncated last record (a killed writer) ends the list; a record
// with a wrong CRC or malformed Event throws InputError naming `what` and the offset.
std::vector<Event> read_events(std::string_view bytes, const std::string& what);

// "events.out.tfevents.<seconds, 10 digits>.<host>", as TensorFlow names them.
std::string event_file_name(double wall_time_s);

// Seconds since the Unix epoch (Event.wall_time).
double wall_time_now();

}  // namespace semra::tensorboard
