#include "pluginCommon.h"

#include <atomic>
#include <dlfcn.h>
#include <cstdio>
#include <cstring>
#include <new>
#include <sstream>

namespace segtrt
{
namespace plugin
{
namespace
{

std::atomic<nvinfer1::ILoggerFinder*> gLoggerFinder{nullptr};

nvinfer1::ILogger* findLogger() noexcept
{
    nvinfer1::ILoggerFinder* finder = gLoggerFinder.load();
    if (finder == nullptr)
    {
        return nullptr;
    }
    try
    {
        return finder->findLogger(); // not declared noexcept
    }
    catch (...)
    {
        return nullptr;
    }
}

} // namespace

int32_t runtimeTensorRTMajor() noexcept
{
    using MajorFn = int32_t (*)();
    void* symbol = dlsym(RTLD_DEFAULT, "getInferLibMajorVersion");
    return symbol != nullptr ? reinterpret_cast<MajorFn>(symbol)() : -1;
}

bool builtForRuntimeTensorRT() noexcept
{
    int32_t const runtime = runtimeTensorRTMajor();
    if (runtime < 0 || runtime == NV_TENSORRT_MAJOR)
    {
        return true;
    }
    static std::atomic<bool> said{false};
    if (!said.exchange(true))
    {
        std::fprintf(stderr,
            "segtrt plugins: libsegtrt_plugins.so was built with TensorRT %d headers but runs in TensorRT %d; "
            "rebuild it against this TensorRT's headers (make plugins TENSORRT_INCLUDE=...)\n",
            static_cast<int>(NV_TENSORRT_MAJOR), static_cast<int>(runtime));
    }
    return false;
}

void setLoggerFinder(nvinfer1::ILoggerFinder* finder) noexcept
{
    if (finder != nullptr && !builtForRuntimeTensorRT())
    {
        finder = nullptr;
    }
#if NV_TENSORRT_MAJOR >= 11
    // TensorRT 11 made ILoggerFinder a versioned interface: accept only the
    // one this code was written against.
    if (finder != nullptr)
    {
        nvinfer1::InterfaceInfo const info = finder->getInterfaceInfo();
        if (info.kind == nullptr || std::strcmp(info.kind, "ILoggerFinder") != 0 || info.major != 1)
        {
            std::fprintf(stderr, "segtrt plugins: setLoggerFinder was handed a %s %d.%d, not an ILoggerFinder 1.x; "
                                 "logging to stderr instead\n",
                info.kind != nullptr ? info.kind : "(unnamed interface)", static_cast<int>(info.major),
                static_cast<int>(info.minor));
            finder = nullptr;
        }
    }
#endif
    gLoggerFinder.store(finder);
}

char const* buildInfo() noexcept
{
#define SEGTRT_STR2(x) #x
#define SEGTRT_STR(x) SEGTRT_STR2(x)
    return "SPGExcite 1, AvgPoolInfer 1 (namespace segtrt); TensorRT headers " SEGTRT_STR(NV_TENSORRT_MAJOR) "." SEGTRT_STR(
        NV_TENSORRT_MINOR) "." SEGTRT_STR(NV_TENSORRT_PATCH);
#undef SEGTRT_STR
#undef SEGTRT_STR2
}

void logMessage(nvinfer1::ILogger::Severity severity, std::string const& message) noexcept
{
    if (nvinfer1::ILogger* logger = findLogger())
    {
        logger->log(severity, message.c_str());
        return;
    }
    if (severity <= nvinfer1::ILogger::Severity::kERROR)
    {
        std::fprintf(stderr, "segtrt plugins: %s\n", message.c_str());
    }
}

void require(bool condition, std::string const& message)
{
    if (!condition)
    {
        throw PluginError(nvinfer1::ErrorCode::kINVALID_ARGUMENT, message);
    }
}

void reportError(nvinfer1::IErrorRecorder* recorder, nvinfer1::ErrorCode code, std::string const& message) noexcept
{
    if (recorder != nullptr)
    {
        // The recorder may truncate; it copies the text before returning.
        recorder->reportError(code, message.c_str());
        return;
    }
    logMessage(nvinfer1::ILogger::Severity::kERROR, message);
}

void reportCurrentException(nvinfer1::IErrorRecorder* recorder, char const* where) noexcept
{
    nvinfer1::ErrorCode code = nvinfer1::ErrorCode::kINTERNAL_ERROR;
    char const* what = "unknown exception";
    try
    {
        throw;
    }
    catch (PluginError const& e)
    {
        code = e.code();
        what = e.what();
    }
    catch (std::bad_alloc const&)
    {
        code = nvinfer1::ErrorCode::kFAILED_ALLOCATION;
        what = "out of host memory";
    }
    catch (std::exception const& e)
    {
        what = e.what();
    }
    catch (...)
    {
    }
    try
    {
        reportError(recorder, code, std::string(where) + ": " + what);
    }
    catch (...)
    {
        // Building the message itself failed (out of memory): say what we can.
        if (recorder != nullptr)
        {
            recorder->reportError(code, what);
        }
        else
        {
            std::fprintf(stderr, "segtrt plugins: %s: %s\n", where, what);
        }
    }
}

int64_t readIntField(nvinfer1::PluginField const& field)
{
    std::string const name = field.name != nullptr ? field.name : "(unnamed)";
    require(field.data != nullptr && field.length == 1, "field " + name + " must hold exactly one integer");
    switch (field.type)
    {
    case nvinfer1::PluginFieldType::kINT32:
    {
        int32_t v;
        std::memcpy(&v, field.data, sizeof v);
        return v;
    }
    case nvinfer1::PluginFieldType::kINT64:
    {
        int64_t v;
        std::memcpy(&v, field.data, sizeof v);
        return v;
    }
    default: break;
    }
    throw PluginError(nvinfer1::ErrorCode::kINVALID_ARGUMENT, "field " + name + " must be of type kINT32 or kINT64");
}

std::string dimsToString(nvinfer1::Dims const& dims)
{
    std::ostringstream out;
    out << "(";
    for (int32_t i = 0; i < dims.nbDims; ++i)
    {
        out << (i ? ", " : "") << dims.d[i];
    }
    out << ")";
    return out.str();
}

ElementType toElementType(nvinfer1::DataType type)
{
    switch (type)
    {
    case nvinfer1::DataType::kFLOAT: return ElementType::kFLOAT32;
    case nvinfer1::DataType::kHALF: return ElementType::kFLOAT16;
    default: break;
    }
    throw PluginError(nvinfer1::ErrorCode::kUNSUPPORTED_STATE,
        "unsupported data type " + std::to_string(static_cast<int32_t>(type)) + "; FP32 and FP16 only");
}

} // namespace plugin
} // namespace segtrt
