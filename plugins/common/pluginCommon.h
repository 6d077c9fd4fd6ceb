/*
 * segtrt plugins: what the TensorRT plugin classes share. Logging through
 * the ILoggerFinder that TensorRT hands the library (setLoggerFinder in
 * registration.cpp), error reporting through an IErrorRecorder when the
 * plugin has one, and reading plugin fields.
 *
 * Needs the TensorRT headers; the kernels and the CPU twins never include it.
 */
#ifndef SEGTRT_PLUGINS_COMMON_PLUGIN_COMMON_H
#define SEGTRT_PLUGINS_COMMON_PLUGIN_COMMON_H

#include "hostDevice.h"

#include <NvInferRuntime.h>

#include <stdexcept>
#include <string>

static_assert(NV_TENSORRT_MAJOR >= 10, "segtrt plugins are IPluginV3 plugins: TensorRT 10 or later");

namespace segtrt
{
namespace plugin
{

//! The namespace every segtrt plugin and creator is registered under; the
//! ONNX nodes carry it as plugin_namespace.
constexpr char const* kPluginNamespace = "segtrt";

//! The TensorRT major version of the process that loaded the library, from
//! libnvinfer's exported getInferLibMajorVersion, or -1 when that symbol is
//! not visible (e.g. libnvinfer opened with RTLD_LOCAL).
int32_t runtimeTensorRTMajor() noexcept;

//! False when the library runs inside a TensorRT of another major version
//! than the headers it was built with: TensorRT 11 changed the layout of
//! ILogger and ILoggerFinder (now IVersionedInterface), so calling across
//! that line would jump through the wrong vtable slots. Says why on stderr,
//! once.
bool builtForRuntimeTensorRT() noexcept;

//! Keeps the finder TensorRT passes to setLoggerFinder (ignored when
//! builtForRuntimeTensorRT() is false). Thread-safe.
void setLoggerFinder(nvinfer1::ILoggerFinder* finder) noexcept;

//! "SPGExcite 1, AvgPoolInfer 1 (namespace segtrt); TensorRT headers X.Y.Z"
char const* buildInfo() noexcept;

//! Logs through TensorRT's logger; falls back to stderr for errors when the
//! library was loaded without a logger finder.
void logMessage(nvinfer1::ILogger::Severity severity, std::string const& message) noexcept;

//! An error a plugin entry point reports, with the TensorRT code to report.
class PluginError : public std::runtime_error
{
public:
    PluginError(nvinfer1::ErrorCode code, std::string const& message)
        : std::runtime_error(message)
        , mCode(code)
    {
    }

    nvinfer1::ErrorCode code() const noexcept
    {
        return mCode;
    }

private:
    nvinfer1::ErrorCode mCode;
};

//! Throws PluginError(kINVALID_ARGUMENT) with message unless condition holds.
void require(bool condition, std::string const& message);

//! Reports the exception being handled (call only inside a catch block):
//! to recorder when there is one, else to the logger. `where` names the
//! plugin and entry point, e.g. "AvgPoolInfer::enqueue".
void reportCurrentException(nvinfer1::IErrorRecorder* recorder, char const* where) noexcept;

//! Reports a plain error message the same way.
void reportError(nvinfer1::IErrorRecorder* recorder, nvinfer1::ErrorCode code, std::string const& message) noexcept;

//! Reads an integer field given as kINT32 or kINT64 with length 1. The
//! TensorRT ONNX parser passes each field the creator names in getFieldNames
//! with the type of the node's ONNX attribute, whatever type the creator
//! declared: INT gives kINT32 of length 1 (the int64 value narrowed), INTS
//! kINT32 of length n, FLOAT kFLOAT32, STRING kCHAR. Engines deserialize what
//! getFieldsToSerialize wrote, and other callers (network-definition code,
//! the Python API) may pass kINT64: both are accepted here.
int64_t readIntField(nvinfer1::PluginField const& field);

//! "N x C x H x W"-style text of dims, for messages.
std::string dimsToString(nvinfer1::Dims const& dims);

//! Maps a TensorRT type to the launchers' element type. Throws for others.
ElementType toElementType(nvinfer1::DataType type);

} // namespace plugin
} // namespace segtrt

#endif // SEGTRT_PLUGINS_COMMON_PLUGIN_COMMON_H
