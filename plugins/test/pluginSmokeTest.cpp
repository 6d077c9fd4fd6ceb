/*
 * Host-only smoke test of libsegtrt_plugins.so (make plugins-smoke): loads
 * the library with dlopen, as IPluginRegistry::loadLibrary does, and drives
 * its creators and plugins through the TensorRT interfaces with small fakes
 * for what TensorRT would hand them (logger finder, expression builder, error
 * recorder, resource context). Needs the TensorRT headers but no TensorRT
 * library and no GPU: enqueue is only called where it must return before any
 * launch (empty tensors, missing buffers).
 *
 * Usage: pluginSmokeTest path/to/libsegtrt_plugins.so
 */
#include <NvInferRuntime.h>

#include <dlfcn.h>

#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <vector>

using namespace nvinfer1;

// The loader-side check asks libnvinfer for its major version through this
// symbol; the test plays libnvinfer (linked with -rdynamic so dlsym finds it).
static int32_t gFakeTensorRTMajor = NV_TENSORRT_MAJOR;
extern "C" __attribute__((visibility("default"))) int32_t getInferLibMajorVersion() noexcept
{
    return gFakeTensorRTMajor;
}

namespace
{

int gChecks = 0;
int gFailures = 0;

void check(bool ok, std::string const& what)
{
    ++gChecks;
    if (!ok)
    {
        ++gFailures;
        std::printf("FAIL: %s\n", what.c_str());
    }
}

class Logger : public ILogger
{
public:
    void log(Severity severity, AsciiChar const* msg) noexcept override
    {
        if (severity <= Severity::kWARNING)
        {
            errors.emplace_back(msg);
        }
    }
    bool saw(char const* text) const
    {
        for (auto const& e : errors)
        {
            if (e.find(text) != std::string::npos)
            {
                return true;
            }
        }
        return false;
    }
    std::vector<std::string> errors;
};

class LoggerFinder : public ILoggerFinder
{
public:
    explicit LoggerFinder(Logger* logger)
        : mLogger(logger)
    {
    }
    ~LoggerFinder() override = default;
    ILogger* findLogger() override
    {
        return mLogger;
    }

private:
    Logger* mLogger;
};

class ErrorRecorder : public IErrorRecorder
{
public:
    int32_t getNbErrors() const noexcept override
    {
        return static_cast<int32_t>(mErrors.size());
    }
    ErrorCode getErrorCode(int32_t i) const noexcept override
    {
        return mErrors.at(i).first;
    }
    ErrorDesc getErrorDesc(int32_t i) const noexcept override
    {
        return mErrors.at(i).second.c_str();
    }
    bool hasOverflowed() const noexcept override
    {
        return false;
    }
    void clear() noexcept override
    {
        mErrors.clear();
    }
    bool reportError(ErrorCode code, ErrorDesc desc) noexcept override
    {
        mErrors.emplace_back(code, desc);
        return false;
    }
    RefCount incRefCount() noexcept override
    {
        return ++mRefs;
    }
    RefCount decRefCount() noexcept override
    {
        return --mRefs;
    }
    bool saw(ErrorCode code, char const* text) const
    {
        for (auto const& e : mErrors)
        {
            if (e.first == code && e.second.find(text) != std::string::npos)
            {
                return true;
            }
        }
        return false;
    }

private:
    std::vector<std::pair<ErrorCode, std::string>> mErrors;
    RefCount mRefs{0};
};

class ResourceContext : public IPluginResourceContext
{
public:
    explicit ResourceContext(IErrorRecorder* recorder)
        : mRecorder(recorder)
    {
    }
    IGpuAllocator* getGpuAllocator() const noexcept override
    {
        return nullptr;
    }
    IErrorRecorder* getErrorRecorder() const noexcept override
    {
        return mRecorder;
    }

private:
    IErrorRecorder* mRecorder;
};

// Dimension expressions that are all constants: enough to check the shape
// arithmetic a plugin asks TensorRT to do.
class ConstantValue : public apiv::VDimensionExpr
{
public:
    explicit ConstantValue(int64_t v)
        : value(v)
    {
    }
    bool isConstant() const override
    {
        return true;
    }
    int64_t getConstantValue() const override
    {
        return value;
    }
    bool isSizeTensor() const override
    {
        return false;
    }
    int64_t value;
};

class ConstantExpr : public IDimensionExpr
{
public:
    explicit ConstantExpr(apiv::VDimensionExpr* impl)
    {
        mImpl = impl;
    }
    ~ConstantExpr() noexcept override = default;
};

class ExprBuilder : public IExprBuilder
{
public:
    ExprBuilder()
    {
        mBuilder.owner = this;
        mImpl = &mBuilder;
    }
    ~ExprBuilder() noexcept override = default;

    IDimensionExpr const* make(int64_t v)
    {
        mValues.push_back(std::make_unique<ConstantValue>(v));
        mExprs.push_back(std::make_unique<ConstantExpr>(mValues.back().get()));
        return mExprs.back().get();
    }

    DimsExprs dims(std::vector<int64_t> const& d)
    {
        DimsExprs e{};
        e.nbDims = static_cast<int32_t>(d.size());
        for (size_t i = 0; i < d.size(); ++i)
        {
            e.d[i] = make(d[i]);
        }
        return e;
    }

private:
    struct Impl : apiv::VExprBuilder
    {
        ExprBuilder* owner{nullptr};
        IDimensionExpr const* constant(int64_t value) override
        {
            return owner->make(value);
        }
        IDimensionExpr const* operation(DimensionOperation op, IDimensionExpr const& a, IDimensionExpr const& b) override
        {
            int64_t const x = a.getConstantValue();
            int64_t const y = b.getConstantValue();
            switch (op)
            {
            case DimensionOperation::kSUM: return owner->make(x + y);
            case DimensionOperation::kPROD: return owner->make(x * y);
            case DimensionOperation::kMAX: return owner->make(x > y ? x : y);
            case DimensionOperation::kMIN: return owner->make(x < y ? x : y);
            case DimensionOperation::kSUB: return owner->make(x - y);
            default: return nullptr;
            }
        }
        IDimensionExpr const* declareSizeTensor(int32_t, IDimensionExpr const&, IDimensionExpr const&) override
        {
            return nullptr;
        }
    };
    Impl mBuilder;
    std::deque<std::unique_ptr<ConstantValue>> mValues;
    std::deque<std::unique_ptr<ConstantExpr>> mExprs;
};

std::vector<int64_t> values(DimsExprs const& e)
{
    std::vector<int64_t> v;
    for (int32_t i = 0; i < e.nbDims; ++i)
    {
        v.push_back(e.d[i] != nullptr ? e.d[i]->getConstantValue() : -999);
    }
    return v;
}

Dims dims(std::vector<int64_t> const& d)
{
    Dims out{};
    out.nbDims = static_cast<int32_t>(d.size());
    for (size_t i = 0; i < d.size(); ++i)
    {
        out.d[i] = d[i];
    }
    return out;
}

DynamicPluginTensorDesc dynamicDesc(std::vector<int64_t> const& d, DataType type, TensorFormat format = TensorFormat::kLINEAR)
{
    DynamicPluginTensorDesc desc{};
    desc.desc.dims = dims(d);
    desc.desc.type = type;
    desc.desc.format = format;
    desc.min = desc.opt = desc.max = dims(d);
    return desc;
}

PluginTensorDesc tensorDesc(std::vector<int64_t> const& d, DataType type)
{
    PluginTensorDesc desc{};
    desc.dims = dims(d);
    desc.type = type;
    desc.format = TensorFormat::kLINEAR;
    return desc;
}

int64_t fieldInt(PluginFieldCollection const* fc, char const* name)
{
    for (int32_t i = 0; fc != nullptr && i < fc->nbFields; ++i)
    {
        if (std::strcmp(fc->fields[i].name, name) == 0 && fc->fields[i].type == PluginFieldType::kINT32
            && fc->fields[i].length == 1)
        {
            int32_t v;
            std::memcpy(&v, fc->fields[i].data, sizeof v);
            return v;
        }
    }
    return -1;
}

template <typename T>
T* capability(IPluginV3* plugin, PluginCapabilityType type)
{
    return static_cast<T*>(plugin->getCapabilityInterface(type));
}

void testAvgPoolInfer(IPluginCreatorV3One* creator, Logger& logger)
{
    PluginFieldCollection const* names = creator->getFieldNames();
    check(names != nullptr && names->nbFields == 2 && std::strcmp(names->fields[0].name, "kernel_h") == 0
            && std::strcmp(names->fields[1].name, "kernel_w") == 0 && names->fields[0].type == PluginFieldType::kINT32
            && names->fields[1].type == PluginFieldType::kINT32,
        "AvgPoolInfer declares kernel_h and kernel_w as kINT32 fields");

    int32_t const kh = 24;
    int64_t const kw = 48; // kINT64 is accepted too
    PluginField fields[] = {PluginField("kernel_h", &kh, PluginFieldType::kINT32, 1),
        PluginField("kernel_w", &kw, PluginFieldType::kINT64, 1),
        PluginField("plugin_version", "1", PluginFieldType::kCHAR, 1)};
    PluginFieldCollection fc{3, fields};
    std::unique_ptr<IPluginV3> plugin(creator->createPlugin("pool", &fc, TensorRTPhase::kBUILD));
    check(plugin != nullptr, "AvgPoolInfer createPlugin with kernel 24 x 48");
    if (!plugin)
    {
        return;
    }

    PluginFieldCollection missing{1, fields};
    check(creator->createPlugin("pool", &missing, TensorRTPhase::kBUILD) == nullptr
            && logger.saw("kernel_h and kernel_w are required"),
        "AvgPoolInfer without kernel_w is refused with a message");
    int32_t const zero = 0;
    PluginField zeroFields[] = {PluginField("kernel_h", &zero, PluginFieldType::kINT32, 1),
        PluginField("kernel_w", &kh, PluginFieldType::kINT32, 1)};
    PluginFieldCollection zeroFc{2, zeroFields};
    check(creator->createPlugin("pool", &zeroFc, TensorRTPhase::kBUILD) == nullptr && logger.saw("between 1 and"),
        "AvgPoolInfer with kernel_h 0 is refused with a message");
    float const notInt = 3.0f;
    PluginField floatFields[] = {PluginField("kernel_h", &notInt, PluginFieldType::kFLOAT32, 1),
        PluginField("kernel_w", &kh, PluginFieldType::kINT32, 1)};
    PluginFieldCollection floatFc{2, floatFields};
    check(creator->createPlugin("pool", &floatFc, TensorRTPhase::kBUILD) == nullptr && logger.saw("kINT32 or kINT64"),
        "AvgPoolInfer with a float kernel_h is refused with a message");

    auto* core = capability<IPluginV3OneCore>(plugin.get(), PluginCapabilityType::kCORE);
    check(std::strcmp(core->getPluginName(), "AvgPoolInfer") == 0 && std::strcmp(core->getPluginVersion(), "1") == 0
            && std::strcmp(core->getPluginNamespace(), "segtrt") == 0,
        "AvgPoolInfer core: name, version, namespace");

    auto* build = capability<IPluginV3OneBuild>(plugin.get(), PluginCapabilityType::kBUILD);
    check(build->getNbOutputs() == 1, "AvgPoolInfer has one output");
    DataType in[] = {DataType::kHALF};
    DataType out[] = {DataType::kFLOAT};
    check(build->getOutputDataTypes(out, 1, in, 1) == 0 && out[0] == DataType::kHALF, "AvgPoolInfer output type = input type");

    ExprBuilder eb;
    DimsExprs shapes[] = {eb.dims({2, 256, 16, 32})};
    DimsExprs outShape[1];
    check(build->getOutputShapes(shapes, 1, nullptr, 0, outShape, 1, eb) == 0
            && values(outShape[0]) == std::vector<int64_t>{2, 256, 1, 1},
        "AvgPoolInfer 24 x 48 on 16 x 32 clamps to global pooling: (2, 256, 1, 1)");
    int32_t const k3 = 3;
    int32_t const k5 = 5;
    PluginField smallFields[] = {PluginField("kernel_h", &k3, PluginFieldType::kINT32, 1),
        PluginField("kernel_w", &k5, PluginFieldType::kINT32, 1)};
    PluginFieldCollection smallFc{2, smallFields};
    std::unique_ptr<IPluginV3> small(creator->createPlugin("pool3x5", &smallFc, TensorRTPhase::kBUILD));
    auto* smallBuild = capability<IPluginV3OneBuild>(small.get(), PluginCapabilityType::kBUILD);
    DimsExprs odd[] = {eb.dims({1, 7, 13, 9})};
    check(smallBuild->getOutputShapes(odd, 1, nullptr, 0, outShape, 1, eb) == 0
            && values(outShape[0]) == std::vector<int64_t>{1, 7, 11, 5},
        "AvgPoolInfer 3 x 5 on 13 x 9: (1, 7, 11, 5)");
    DimsExprs rank3[] = {eb.dims({7, 13, 9})};
    check(smallBuild->getOutputShapes(rank3, 1, nullptr, 0, outShape, 1, eb) != 0 && logger.saw("rank 3"),
        "AvgPoolInfer refuses a rank-3 input with a message");

    DynamicPluginTensorDesc io[] = {dynamicDesc({2, 256, 16, 32}, DataType::kFLOAT), dynamicDesc({2, 256, 1, 1}, DataType::kFLOAT)};
    check(build->supportsFormatCombination(0, io, 1, 1) && build->supportsFormatCombination(1, io, 1, 1),
        "AvgPoolInfer supports linear FP32");
    io[0].desc.type = io[1].desc.type = DataType::kHALF;
    check(build->supportsFormatCombination(0, io, 1, 1) && build->supportsFormatCombination(1, io, 1, 1),
        "AvgPoolInfer supports linear FP16");
    io[1].desc.type = DataType::kFLOAT;
    check(!build->supportsFormatCombination(1, io, 1, 1), "AvgPoolInfer refuses FP16 in, FP32 out");
    io[0].desc.type = DataType::kINT8;
    check(!build->supportsFormatCombination(0, io, 1, 1), "AvgPoolInfer refuses INT8");
    io[0].desc.type = DataType::kFLOAT;
    io[0].desc.format = TensorFormat::kCHW32;
    check(!build->supportsFormatCombination(0, io, 1, 1), "AvgPoolInfer refuses CHW32");
    io[0].desc.format = TensorFormat::kLINEAR;
    check(build->configurePlugin(io, 1, io + 1, 1) == 0, "AvgPoolInfer configurePlugin");
    // Workspace = the horizontal window sums of the max input: planes * H * ow
    // floats (ow = W - min(kernel_w, W) + 1), rounded up to 256 bytes.
    size_t const expected = 2u * 256u * 16u * 1u * 4u; // kernel_w 48 clamps to W = 32: ow = 1
    check(build->getWorkspaceSize(io, 1, io + 1, 1) == expected, "AvgPoolInfer workspace = row sums of the max input (2 x 256 x 16 x 1 floats)");
    DynamicPluginTensorDesc smallIo[] = {dynamicDesc({1, 7, 13, 9}, DataType::kFLOAT), dynamicDesc({1, 7, 11, 5}, DataType::kFLOAT)};
    smallIo[0].min.d[2] = smallIo[0].opt.d[2] = 4; // dynamic H: the max sizes the workspace
    check(smallBuild->getWorkspaceSize(smallIo, 1, smallIo + 1, 1) == 2048,
        "AvgPoolInfer 3 x 5 workspace on (1, 7, 13, 9): 7 x 13 x 5 floats = 1820 bytes, rounded up to 2048");
    DynamicPluginTensorDesc hugeIo[] = {dynamicDesc({1 << 20, 1 << 20, 1 << 20, 1 << 20}, DataType::kFLOAT), dynamicDesc({1, 1, 1, 1}, DataType::kFLOAT)};
    check(smallBuild->getWorkspaceSize(hugeIo, 1, hugeIo + 1, 1) == 0 && logger.saw("more than 2^60 elements"),
        "AvgPoolInfer refuses a workspace for more than 2^60 input elements");

    auto* runtime = capability<IPluginV3OneRuntime>(plugin.get(), PluginCapabilityType::kRUNTIME);
    PluginFieldCollection const* serial = runtime->getFieldsToSerialize();
    check(fieldInt(serial, "kernel_h") == 24 && fieldInt(serial, "kernel_w") == 48,
        "AvgPoolInfer serializes kernel_h 24, kernel_w 48 as kINT32");
    std::unique_ptr<IPluginV3> restored(creator->createPlugin("pool", serial, TensorRTPhase::kRUNTIME));
    check(restored != nullptr
            && fieldInt(capability<IPluginV3OneRuntime>(restored.get(), PluginCapabilityType::kRUNTIME)->getFieldsToSerialize(),
                   "kernel_w")
                == 48,
        "AvgPoolInfer round-trips through its serialized fields");
    std::unique_ptr<IPluginV3> copy(plugin->clone());
    check(copy != nullptr && copy.get() != plugin.get()
            && fieldInt(capability<IPluginV3OneRuntime>(copy.get(), PluginCapabilityType::kRUNTIME)->getFieldsToSerialize(),
                   "kernel_h")
                == 24,
        "AvgPoolInfer clone keeps the fields");

    ErrorRecorder recorder;
    ResourceContext context(&recorder);
    std::unique_ptr<IPluginV3> attached(runtime->attachToContext(&context));
    check(attached != nullptr && attached.get() != plugin.get(), "AvgPoolInfer attachToContext returns a new plugin");
    auto* rt = capability<IPluginV3OneRuntime>(attached.get(), PluginCapabilityType::kRUNTIME);
    PluginTensorDesc x = tensorDesc({1, 4, 16, 32}, DataType::kFLOAT);
    PluginTensorDesc y = tensorDesc({1, 4, 1, 1}, DataType::kFLOAT);
    check(rt->onShapeChange(&x, 1, &y, 1) == 0, "AvgPoolInfer onShapeChange accepts (1,4,16,32) -> (1,4,1,1)");
    PluginTensorDesc wrong = tensorDesc({1, 4, 2, 1}, DataType::kFLOAT);
    check(rt->onShapeChange(&x, 1, &wrong, 1) != 0 && recorder.saw(ErrorCode::kINVALID_ARGUMENT, "does not match"),
        "AvgPoolInfer onShapeChange refuses a wrong output shape, through the context's error recorder");
    // No buffers: the launcher refuses before touching CUDA; the error reaches the recorder.
    void const* inputs[] = {nullptr};
    void* outputs[] = {nullptr};
    check(rt->enqueue(&x, &y, inputs, outputs, nullptr, nullptr) != 0
            && recorder.saw(ErrorCode::kFAILED_EXECUTION, "cudaErrorInvalidValue"),
        "AvgPoolInfer enqueue without buffers fails with a CUDA error in the recorder");
    PluginTensorDesc empty = tensorDesc({0, 4, 16, 32}, DataType::kHALF);
    PluginTensorDesc emptyOut = tensorDesc({0, 4, 1, 1}, DataType::kHALF);
    check(rt->enqueue(&empty, &emptyOut, inputs, outputs, nullptr, nullptr) == 0, "AvgPoolInfer enqueue of N = 0 is a no-op");
    check(attached->getCapabilityInterface(static_cast<PluginCapabilityType>(7)) == nullptr
            && recorder.saw(ErrorCode::kINVALID_ARGUMENT, "unknown capability"),
        "AvgPoolInfer refuses an unknown capability");
}

void testSpgExcite(IPluginCreatorV3One* creator, Logger& logger)
{
    check(creator->getFieldNames() != nullptr && creator->getFieldNames()->nbFields == 0, "SPGExcite has no fields");
    PluginField version("plugin_version", "1", PluginFieldType::kCHAR, 1);
    PluginFieldCollection fc{1, &version};
    std::unique_ptr<IPluginV3> plugin(creator->createPlugin("spg", &fc, TensorRTPhase::kBUILD));
    check(plugin != nullptr, "SPGExcite createPlugin ignores unknown fields");
    if (!plugin)
    {
        return;
    }
    auto* core = capability<IPluginV3OneCore>(plugin.get(), PluginCapabilityType::kCORE);
    check(std::strcmp(core->getPluginName(), "SPGExcite") == 0 && std::strcmp(core->getPluginVersion(), "1") == 0
            && std::strcmp(core->getPluginNamespace(), "segtrt") == 0,
        "SPGExcite core: name, version, namespace");
    auto* build = capability<IPluginV3OneBuild>(plugin.get(), PluginCapabilityType::kBUILD);
    DataType in[] = {DataType::kFLOAT, DataType::kFLOAT, DataType::kFLOAT};
    DataType out[1];
    check(build->getOutputDataTypes(out, 1, in, 3) == 0 && out[0] == DataType::kFLOAT, "SPGExcite output type = input type");
    ExprBuilder eb;
    DimsExprs shapes[] = {eb.dims({1, 128, 33, 65}), eb.dims({1, 128, 33, 65}), eb.dims({1, 128, 33, 65})};
    DimsExprs outShape[1];
    check(build->getOutputShapes(shapes, 3, nullptr, 0, outShape, 1, eb) == 0
            && values(outShape[0]) == std::vector<int64_t>{1, 128, 33, 65},
        "SPGExcite output shape = input shape");
    shapes[2] = eb.dims({1, 128, 33, 1});
    check(build->getOutputShapes(shapes, 3, nullptr, 0, outShape, 1, eb) != 0 && logger.saw("no broadcasting"),
        "SPGExcite refuses broadcasting with a message");
    DynamicPluginTensorDesc io[] = {dynamicDesc({1, 8, 3, 5}, DataType::kHALF), dynamicDesc({1, 8, 3, 5}, DataType::kHALF),
        dynamicDesc({1, 8, 3, 5}, DataType::kHALF), dynamicDesc({1, 8, 3, 5}, DataType::kHALF)};
    bool all = true;
    for (int32_t pos = 0; pos < 4; ++pos)
    {
        all = all && build->supportsFormatCombination(pos, io, 3, 1);
    }
    check(all, "SPGExcite supports linear FP16 everywhere");
    io[2].desc.type = DataType::kFLOAT;
    check(!build->supportsFormatCombination(2, io, 3, 1), "SPGExcite refuses mixed types");
    io[2].desc.type = DataType::kHALF;
    check(build->configurePlugin(io, 3, io + 3, 1) == 0, "SPGExcite configurePlugin");
    io[1].max = dims({1, 8, 3, 6});
    check(build->configurePlugin(io, 3, io + 3, 1) != 0 && logger.saw("one shape"), "SPGExcite configurePlugin refuses different shapes");
    check(build->getWorkspaceSize(io, 3, io + 3, 1) == 0, "SPGExcite needs no workspace");

    auto* runtime = capability<IPluginV3OneRuntime>(plugin.get(), PluginCapabilityType::kRUNTIME);
    check(runtime->getFieldsToSerialize() != nullptr && runtime->getFieldsToSerialize()->nbFields == 0,
        "SPGExcite serializes no fields");
    ErrorRecorder recorder;
    ResourceContext context(&recorder);
    std::unique_ptr<IPluginV3> attached(runtime->attachToContext(&context));
    auto* rt = capability<IPluginV3OneRuntime>(attached.get(), PluginCapabilityType::kRUNTIME);
    PluginTensorDesc t[] = {tensorDesc({1, 8, 3, 5}, DataType::kHALF), tensorDesc({1, 8, 3, 5}, DataType::kHALF),
        tensorDesc({1, 8, 3, 5}, DataType::kHALF)};
    PluginTensorDesc y = tensorDesc({1, 8, 3, 5}, DataType::kHALF);
    check(rt->onShapeChange(t, 3, &y, 1) == 0, "SPGExcite onShapeChange accepts equal shapes");
    void const* inputs[] = {nullptr, nullptr, nullptr};
    void* outputs[] = {nullptr};
    check(rt->enqueue(t, &y, inputs, outputs, nullptr, nullptr) != 0
            && recorder.saw(ErrorCode::kFAILED_EXECUTION, "cudaErrorInvalidValue"),
        "SPGExcite enqueue without buffers fails with a CUDA error in the recorder");
    PluginTensorDesc e[] = {tensorDesc({1, 0, 3, 5}, DataType::kFLOAT), tensorDesc({1, 0, 3, 5}, DataType::kFLOAT),
        tensorDesc({1, 0, 3, 5}, DataType::kFLOAT)};
    check(rt->enqueue(e, e, inputs, outputs, nullptr, nullptr) == 0, "SPGExcite enqueue of an empty tensor is a no-op");
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2)
    {
        std::fprintf(stderr, "usage: %s libsegtrt_plugins.so\n", argv[0]);
        return 2;
    }
    void* lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr)
    {
        std::fprintf(stderr, "dlopen %s: %s\n", argv[1], dlerror());
        return 1;
    }
    using GetCreators = IPluginCreatorInterface* const* (*) (int32_t&);
    using SetLoggerFinder = void (*)(ILoggerFinder*);
    using BuildInfo = char const* (*) ();
    auto getCreators = reinterpret_cast<GetCreators>(dlsym(lib, "getCreators"));
    auto setLoggerFinder = reinterpret_cast<SetLoggerFinder>(dlsym(lib, "setLoggerFinder"));
    auto buildInfo = reinterpret_cast<BuildInfo>(dlsym(lib, "segtrtPluginsBuildInfo"));
    check(getCreators != nullptr && setLoggerFinder != nullptr && buildInfo != nullptr,
        "the library exports getCreators, setLoggerFinder and segtrtPluginsBuildInfo");
    if (getCreators == nullptr || setLoggerFinder == nullptr || buildInfo == nullptr)
    {
        return 1;
    }
    std::printf("%s: %s\n", argv[1], buildInfo());

    Logger logger;
    LoggerFinder finder(&logger);
    setLoggerFinder(&finder);

    gFakeTensorRTMajor = NV_TENSORRT_MAJOR + 1;
    int32_t n = -1;
    IPluginCreatorInterface* const* creators = getCreators(n);
    check(n == 0, "getCreators lists nothing inside a TensorRT of another major version");
    gFakeTensorRTMajor = NV_TENSORRT_MAJOR;

    creators = getCreators(n);
    check(creators != nullptr && n == 2, "getCreators lists two creators");
    for (int32_t i = 0; creators != nullptr && i < n; ++i)
    {
        InterfaceInfo const info = creators[i]->getInterfaceInfo();
        check(std::strcmp(info.kind, "PLUGIN CREATOR_V3ONE") == 0 && info.major == 1, "creators are IPluginCreatorV3One 1.x");
        auto* creator = static_cast<IPluginCreatorV3One*>(creators[i]);
        check(std::strcmp(creator->getPluginNamespace(), "segtrt") == 0 && std::strcmp(creator->getPluginVersion(), "1") == 0,
            "creator namespace segtrt, version 1");
        if (std::strcmp(creator->getPluginName(), "AvgPoolInfer") == 0)
        {
            testAvgPoolInfer(creator, logger);
        }
        else if (std::strcmp(creator->getPluginName(), "SPGExcite") == 0)
        {
            testSpgExcite(creator, logger);
        }
        else
        {
            check(false, std::string("unexpected creator ") + creator->getPluginName());
        }
    }
    std::printf("plugin smoke test: %d checks, %d failed\n", gChecks, gFailures);
    return gFailures == 0 ? 0 : 1;
}
