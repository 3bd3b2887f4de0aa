//! Where data must not go, as data tables.
//!
//! A method sink matches when the receiver's class is known (from a
//! constructor-injected property, a typed parameter, `new`, a factory)
//! and listed; when the class is unknown we fall back on the receiver's
//! name (`$this->_logger`), and the finding's confidence drops a step.

/// What a sink does with data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SinkKind {
    Log,
    Http,
    File,
    Cookie,
    Cache,
    /// Stored with an order or in the database.
    Persist,
    /// Code evaluation: `eval`, `assert`, `create_function`, `/e`.
    Eval,
    /// Shell commands and `include`.
    Exec,
    Include,
    /// The session id.
    Session,
}

/// Which arguments carry the data.
#[derive(Debug, Clone, Copy)]
pub enum Args {
    All,
    Only(&'static [usize]),
}

impl Args {
    /// Whether argument `i` carries data.
    pub fn includes(self, i: usize) -> bool {
        match self {
            Args::All => true,
            Args::Only(list) => list.contains(&i),
        }
    }
}

/// Where a file sink's path comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathFrom {
    /// Not a file sink.
    None,
    /// Argument `n`, relative to the receiver (a directory) when it has a path.
    Arg(usize),
    /// The receiver is an open file that knows its path.
    Receiver,
    /// Argument `n` is an open file handle that knows its path.
    Handle(usize),
}

/// A method that is a sink on some classes.
pub struct MethodSink {
    /// Fully qualified classes; `*Suffix` matches by suffix; `*` any class.
    pub classes: &'static [&'static str],
    /// Lowercase fragments of receiver names, used when the class is unknown.
    pub hints: &'static [&'static str],
    /// Method names; empty means every method.
    pub methods: &'static [&'static str],
    pub kind: SinkKind,
    pub args: Args,
    pub path: PathFrom,
    /// The class name used in messages when the receiver's is unknown.
    pub label: &'static str,
}

const LOG_METHODS: &[&str] = &[
    "emergency",
    "alert",
    "critical",
    "error",
    "warning",
    "notice",
    "info",
    "debug",
    "log",
    "addRecord",
    "addDebug",
    "addInfo",
    "addNotice",
    "addWarning",
    "addError",
    "addCritical",
    "addAlert",
    "addEmergency",
];

const GUZZLE_METHODS: &[&str] = &[
    "request",
    "requestAsync",
    "send",
    "sendAsync",
    "get",
    "post",
    "put",
    "patch",
    "delete",
    "head",
    "getAsync",
    "postAsync",
    "putAsync",
    "patchAsync",
    "deleteAsync",
];

const fn sink(
    classes: &'static [&'static str],
    hints: &'static [&'static str],
    methods: &'static [&'static str],
    kind: SinkKind,
    args: Args,
    label: &'static str,
) -> MethodSink {
    MethodSink {
        classes,
        hints,
        methods,
        kind,
        args,
        path: PathFrom::None,
        label,
    }
}

const fn file_sink(
    classes: &'static [&'static str],
    methods: &'static [&'static str],
    args: Args,
    path: PathFrom,
    label: &'static str,
) -> MethodSink {
    MethodSink {
        classes,
        hints: &[],
        methods,
        kind: SinkKind::File,
        args,
        path,
        label,
    }
}

/// Method sinks.
pub const METHOD_SINKS: &[MethodSink] = &[
    sink(
        &[
            "Psr\\Log\\LoggerInterface",
            "Psr\\Log\\AbstractLogger",
            "Monolog\\Logger",
            "Magento\\Framework\\Logger\\Monolog",
            "Magento\\Payment\\Model\\Method\\Logger",
            "*\\Logger",
            "*LoggerInterface",
        ],
        &["logger"],
        LOG_METHODS,
        SinkKind::Log,
        Args::All,
        "Logger",
    ),
    sink(
        &[
            "Magento\\Framework\\HTTP\\Client\\Curl",
            "Magento\\Framework\\HTTP\\Client\\Socket",
            "Magento\\Framework\\HTTP\\ClientInterface",
        ],
        &["curl", "httpclient"],
        &[
            "get",
            "post",
            "put",
            "patch",
            "delete",
            "makeRequest",
            "addHeader",
            "setHeaders",
            "addCookie",
            "setCookies",
            "setOption",
            "setOptions",
        ],
        SinkKind::Http,
        Args::All,
        "Curl",
    ),
    sink(
        &["Magento\\Framework\\HTTP\\Adapter\\Curl"],
        &[],
        &["write", "addOption", "setOptions"],
        SinkKind::Http,
        Args::All,
        "Curl",
    ),
    sink(
        &[
            "Laminas\\Http\\Client",
            "Zend\\Http\\Client",
            "Zend_Http_Client",
            "Magento\\Framework\\HTTP\\ZendClient",
            "Magento\\Framework\\HTTP\\LaminasClient",
        ],
        &[],
        &[
            "setRawBody",
            "setParameterPost",
            "setParameterGet",
            "setUri",
            "setHeaders",
            "setCookies",
            "send",
            "request",
        ],
        SinkKind::Http,
        Args::All,
        "Client",
    ),
    sink(
        &["GuzzleHttp\\Client", "GuzzleHttp\\ClientInterface"],
        &["guzzle"],
        GUZZLE_METHODS,
        SinkKind::Http,
        Args::All,
        "Client",
    ),
    sink(
        &["SoapClient", "Laminas\\Soap\\Client", "Zend\\Soap\\Client"],
        &["soapclient"],
        &[],
        SinkKind::Http,
        Args::All,
        "SoapClient",
    ),
    sink(
        &["Magento\\Framework\\HTTP\\AsyncClientInterface"],
        &[],
        &["request"],
        SinkKind::Http,
        Args::All,
        "AsyncClient",
    ),
    file_sink(
        &[
            "Magento\\Framework\\Filesystem\\Directory\\WriteInterface",
            "Magento\\Framework\\Filesystem\\Directory\\Write",
        ],
        &["writeFile"],
        Args::Only(&[1]),
        PathFrom::Arg(0),
        "WriteInterface",
    ),
    file_sink(
        &[
            "Magento\\Framework\\Filesystem\\File\\WriteInterface",
            "Magento\\Framework\\Filesystem\\File\\Write",
        ],
        &["write", "writeCsv"],
        Args::All,
        PathFrom::Receiver,
        "File",
    ),
    file_sink(
        &[
            "Magento\\Framework\\Filesystem\\Driver\\File",
            "Magento\\Framework\\Filesystem\\DriverInterface",
        ],
        &["filePutContents"],
        Args::Only(&[1]),
        PathFrom::Arg(0),
        "File",
    ),
    file_sink(
        &[
            "Magento\\Framework\\Filesystem\\Driver\\File",
            "Magento\\Framework\\Filesystem\\DriverInterface",
        ],
        &["fileWrite", "filePutCsv"],
        Args::Only(&[1]),
        PathFrom::Handle(0),
        "File",
    ),
    file_sink(
        &["Magento\\Framework\\Filesystem\\Io\\File"],
        &["write"],
        Args::Only(&[1]),
        PathFrom::Arg(0),
        "File",
    ),
    sink(
        &[
            "Magento\\Framework\\Stdlib\\CookieManagerInterface",
            "Magento\\Framework\\Stdlib\\Cookie\\PhpCookieManager",
        ],
        &["cookiemanager"],
        &["setPublicCookie", "setSensitiveCookie"],
        SinkKind::Cookie,
        Args::Only(&[1]),
        "CookieManager",
    ),
    sink(
        &[
            "Magento\\Framework\\App\\CacheInterface",
            "Magento\\Framework\\Cache\\FrontendInterface",
            "Magento\\Framework\\App\\Cache",
            "*CacheInterface",
        ],
        &["cache"],
        &["save"],
        SinkKind::Cache,
        Args::Only(&[0]),
        "Cache",
    ),
    sink(
        &["*"],
        &[],
        &["setAdditionalInformation"],
        SinkKind::Persist,
        Args::All,
        "Payment",
    ),
    sink(
        &[
            "Magento\\Framework\\DB\\Adapter\\AdapterInterface",
            "Magento\\Framework\\DB\\Adapter\\Pdo\\Mysql",
        ],
        &["connection"],
        &[
            "insert",
            "insertOnDuplicate",
            "insertMultiple",
            "insertArray",
            "update",
            "query",
        ],
        SinkKind::Persist,
        Args::All,
        "AdapterInterface",
    ),
    sink(
        &["Magento\\Framework\\App\\Config\\Storage\\WriterInterface"],
        &["configwriter"],
        &["save"],
        SinkKind::Persist,
        Args::Only(&[1]),
        "WriterInterface",
    ),
    sink(
        &[
            "Magento\\Framework\\Session\\SessionManagerInterface",
            "Magento\\Framework\\Session\\SessionManager",
            "Magento\\Framework\\Session\\Generic",
            "Magento\\Customer\\Model\\Session",
            "Magento\\Checkout\\Model\\Session",
            "Magento\\Backend\\Model\\Auth\\Session",
        ],
        &["session"],
        &["setSessionId"],
        SinkKind::Session,
        Args::Only(&[0]),
        "Session",
    ),
];

/// A function that is a sink.
pub struct FunctionSink {
    pub name: &'static str,
    pub kind: SinkKind,
    pub args: Args,
    pub path: PathFrom,
}

const fn f(name: &'static str, kind: SinkKind, args: Args) -> FunctionSink {
    FunctionSink {
        name,
        kind,
        args,
        path: PathFrom::None,
    }
}

/// Function sinks. `curl_setopt`, `file_get_contents` and `preg_replace`
/// are sinks only for some arguments; `calls.rs` decides those.
pub const FUNCTION_SINKS: &[FunctionSink] = &[
    f("error_log", SinkKind::Log, Args::Only(&[0])),
    f("trigger_error", SinkKind::Log, Args::Only(&[0])),
    f("user_error", SinkKind::Log, Args::Only(&[0])),
    f("syslog", SinkKind::Log, Args::Only(&[1])),
    f("curl_init", SinkKind::Http, Args::Only(&[0])),
    f("curl_setopt_array", SinkKind::Http, Args::Only(&[1])),
    f("fsockopen", SinkKind::Http, Args::Only(&[0])),
    f("stream_socket_client", SinkKind::Http, Args::Only(&[0])),
    f("gethostbyname", SinkKind::Http, Args::Only(&[0])),
    f("dns_get_record", SinkKind::Http, Args::Only(&[0])),
    f("checkdnsrr", SinkKind::Http, Args::Only(&[0])),
    FunctionSink {
        name: "file_put_contents",
        kind: SinkKind::File,
        args: Args::Only(&[1]),
        path: PathFrom::Arg(0),
    },
    FunctionSink {
        name: "fwrite",
        kind: SinkKind::File,
        args: Args::Only(&[1]),
        path: PathFrom::Handle(0),
    },
    FunctionSink {
        name: "fputs",
        kind: SinkKind::File,
        args: Args::Only(&[1]),
        path: PathFrom::Handle(0),
    },
    FunctionSink {
        name: "fputcsv",
        kind: SinkKind::File,
        args: Args::Only(&[1]),
        path: PathFrom::Handle(0),
    },
    f("setcookie", SinkKind::Cookie, Args::Only(&[1])),
    f("setrawcookie", SinkKind::Cookie, Args::Only(&[1])),
    f("session_id", SinkKind::Session, Args::Only(&[0])),
    f("system", SinkKind::Exec, Args::Only(&[0])),
    f("exec", SinkKind::Exec, Args::Only(&[0])),
    f("passthru", SinkKind::Exec, Args::Only(&[0])),
    f("shell_exec", SinkKind::Exec, Args::Only(&[0])),
    f("popen", SinkKind::Exec, Args::Only(&[0])),
    f("proc_open", SinkKind::Exec, Args::Only(&[0])),
    f("pcntl_exec", SinkKind::Exec, Args::All),
    f("assert", SinkKind::Eval, Args::Only(&[0])),
    f("create_function", SinkKind::Eval, Args::All),
];

/// Functions that call a callback given as argument `n`.
pub const CALLBACK_FUNCTIONS: &[(&str, usize)] = &[
    ("call_user_func", 0),
    ("call_user_func_array", 0),
    ("forward_static_call", 0),
    ("forward_static_call_array", 0),
    ("array_map", 0),
    ("array_filter", 1),
    ("array_walk", 1),
    ("array_walk_recursive", 1),
    ("array_reduce", 1),
    ("usort", 1),
    ("uasort", 1),
    ("uksort", 1),
    ("iterator_apply", 1),
    ("register_shutdown_function", 0),
    ("register_tick_function", 0),
    ("set_error_handler", 0),
    ("set_exception_handler", 0),
    ("ob_start", 0),
];

/// `curl_setopt` options whose value is sent.
pub const CURL_DATA_OPTIONS: &[&str] = &[
    "CURLOPT_POSTFIELDS",
    "CURLOPT_URL",
    "CURLOPT_HTTPHEADER",
    "CURLOPT_COOKIE",
    "CURLOPT_REFERER",
];

/// Functions that fetch a URL they are given.
pub const URL_READERS: &[&str] = &[
    "file_get_contents",
    "fopen",
    "file",
    "readfile",
    "get_headers",
];

/// Functions whose names, called through a variable, mean code execution.
pub const DANGEROUS_FUNCTIONS: &[&str] = &[
    "eval",
    "assert",
    "create_function",
    "system",
    "exec",
    "passthru",
    "shell_exec",
    "popen",
    "proc_open",
    "pcntl_exec",
    "base64_decode",
    "gzinflate",
    "gzuncompress",
    "str_rot13",
    "file_put_contents",
    "fwrite",
    "include",
    "require",
    "call_user_func",
    "preg_replace",
    "unserialize",
    "extract",
    "parse_str",
    "putenv",
    "ini_set",
    "mail",
    "move_uploaded_file",
];

/// Whether class `ty` matches a table entry.
pub fn class_matches(patterns: &[&str], ty: &str) -> bool {
    patterns.iter().any(|p| match p.strip_prefix('*') {
        Some("") => true,
        Some(suffix) => ty.ends_with(suffix),
        None => p.eq_ignore_ascii_case(ty),
    })
}

/// The method sinks for a call of `method` on a receiver of class `ty`
/// (or, when unknown, named `hint`). The flag is true when the match
/// rests on the name alone.
pub fn method_sinks<'t>(
    ty: Option<&'t str>,
    hint: Option<&'t str>,
    method: &'t str,
) -> impl Iterator<Item = (&'static MethodSink, bool)> + 't {
    METHOD_SINKS.iter().filter_map(move |s| {
        let named =
            s.methods.is_empty() || s.methods.iter().any(|m| m.eq_ignore_ascii_case(method));
        if !named {
            return None;
        }
        if s.classes == ["*"] {
            return Some((s, false));
        }
        match ty {
            Some(ty) => class_matches(s.classes, ty).then_some((s, false)),
            None => {
                let hint = hint?;
                s.hints
                    .iter()
                    .any(|h| super::sources::contains_ic(hint, h))
                    .then_some((s, true))
            }
        }
    })
}

/// Whether a lowercase method name is a sink method on some class (the
/// SOAP client, whose every method is one, aside). Most calls fail here.
pub fn maybe_sink_method(lower: &str) -> bool {
    matches!(
        lower,
        "addalert"
            | "addcookie"
            | "addcritical"
            | "adddebug"
            | "addemergency"
            | "adderror"
            | "addheader"
            | "addinfo"
            | "addnotice"
            | "addoption"
            | "addrecord"
            | "addwarning"
            | "alert"
            | "critical"
            | "debug"
            | "delete"
            | "deleteasync"
            | "emergency"
            | "error"
            | "fileputcontents"
            | "fileputcsv"
            | "filewrite"
            | "get"
            | "getasync"
            | "head"
            | "info"
            | "insert"
            | "insertarray"
            | "insertmultiple"
            | "insertonduplicate"
            | "log"
            | "makerequest"
            | "notice"
            | "patch"
            | "patchasync"
            | "post"
            | "postasync"
            | "put"
            | "putasync"
            | "query"
            | "request"
            | "requestasync"
            | "save"
            | "send"
            | "sendasync"
            | "setadditionalinformation"
            | "setcookies"
            | "setheaders"
            | "setoption"
            | "setoptions"
            | "setparameterget"
            | "setparameterpost"
            | "setpubliccookie"
            | "setrawbody"
            | "setsensitivecookie"
            | "setsessionid"
            | "seturi"
            | "update"
            | "warning"
            | "write"
            | "writecsv"
            | "writefile"
    )
}

/// The function sink named `name`.
pub fn function_sink(name: &str) -> Option<&'static FunctionSink> {
    FUNCTION_SINKS
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(name))
}
