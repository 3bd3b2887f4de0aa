//! A Magento-like tree for the bench: `app/code/<Vendor>/<Module>/` folders
//! of PHP classes, phtml templates, RequireJS modules and XML config.
//!
//! Every file is a pure function of its index and the seed, so the tree is
//! the same on every run and can be written in parallel. About one file in
//! [`PLANT_EVERY`] carries something a scanner should report (a decoded
//! eval, TLS turned off, a card number logged, an AWS-shaped key, a token in
//! localStorage, an unencrypted secret field, a pixel with an email), so
//! the scanners do the work of reporting as well as the work of looking.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

use rayon::prelude::*;

/// Files per module folder.
const PER_MODULE: usize = 120;
/// One file in this many carries a planted finding.
const PLANT_EVERY: u64 = 150;
/// One JS file in this many is a large bundle (a vendor library).
const BUNDLE_EVERY: u64 = 400;

/// What was written.
pub struct Written {
    /// Files written.
    pub files: usize,
    /// Their total size in bytes.
    pub bytes: u64,
    /// Files carrying a planted finding.
    pub planted: usize,
}

/// Writes `files` files of about `bytes / files` bytes each under `root`.
pub fn tree(root: &Path, files: usize, bytes: u64, seed: u64) -> io::Result<Written> {
    let average = (bytes / files as u64) as usize;
    let results: Vec<(u64, bool)> = (0..files)
        .into_par_iter()
        .map(|index| {
            let file = file(index, average, seed);
            let path = root.join(&file.path);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(&path, file.text.as_bytes())?;
            Ok((file.text.len() as u64, file.planted))
        })
        .collect::<io::Result<_>>()?;
    Ok(Written {
        files,
        bytes: results.iter().map(|(b, _)| b).sum(),
        planted: results.iter().filter(|(_, p)| *p).count(),
    })
}

/// One generated file.
struct File {
    path: String,
    text: String,
    planted: bool,
}

#[derive(Clone, Copy)]
enum Kind {
    Php(&'static str),
    Phtml,
    Js,
    Xml,
}

/// Half PHP, a fifth JS, the rest templates and XML, as in real modules.
const KINDS: [Kind; 20] = [
    Kind::Php("Controller"),
    Kind::Php("Model"),
    Kind::Php("Model"),
    Kind::Php("Model/ResourceModel"),
    Kind::Php("Block"),
    Kind::Php("Helper"),
    Kind::Php("Observer"),
    Kind::Php("Plugin"),
    Kind::Php("Service"),
    Kind::Php("ViewModel"),
    Kind::Phtml,
    Kind::Phtml,
    Kind::Phtml,
    Kind::Js,
    Kind::Js,
    Kind::Js,
    Kind::Js,
    Kind::Xml,
    Kind::Xml,
    Kind::Xml,
];

fn file(index: usize, average: usize, seed: u64) -> File {
    let mut rng = Rng::new(seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let module = index / PER_MODULE;
    let vendor = format!("Vendor{:02}", module % 37);
    let name = format!("{}{}", pick(&mut rng, NOUNS), module);
    let base = format!("app/code/{vendor}/{name}");
    let class = format!(
        "{}{}{}",
        pick(&mut rng, VERBS),
        pick(&mut rng, NOUNS),
        index
    );
    let kind = KINDS[index % KINDS.len()];
    let mut size = average / 3 + rng.below(average as u64 * 4 / 3) as usize;
    if matches!(kind, Kind::Js) && rng.below(BUNDLE_EVERY) == 0 {
        size = average * 24;
    }
    let plant = rng.below(PLANT_EVERY) == 0;
    let ctx = Ctx {
        vendor: &vendor,
        module: &name,
        class: &class,
    };
    let (path, text) = match kind {
        Kind::Php(folder) => (
            format!("{base}/{folder}/{class}.php"),
            php(&ctx, folder, size, plant, &mut rng),
        ),
        Kind::Phtml => (
            format!(
                "{base}/view/frontend/templates/{}.phtml",
                class.to_lowercase()
            ),
            phtml(size, plant, &mut rng),
        ),
        Kind::Js => (
            format!("{base}/view/frontend/web/js/{}.js", class.to_lowercase()),
            js(size, plant, &mut rng),
        ),
        Kind::Xml => (
            format!("{base}/etc/{}.xml", class.to_lowercase()),
            xml(&ctx, size, plant, &mut rng),
        ),
    };
    File {
        path,
        text,
        planted: plant,
    }
}

struct Ctx<'a> {
    vendor: &'a str,
    module: &'a str,
    class: &'a str,
}

fn php(ctx: &Ctx<'_>, folder: &str, size: usize, plant: bool, rng: &mut Rng) -> String {
    let ns = format!(
        "{}\\{}\\{}",
        ctx.vendor,
        ctx.module,
        folder.replace('/', "\\")
    );
    let mut out = String::with_capacity(size + 512);
    let _ = writeln!(out, "<?php\ndeclare(strict_types=1);\n\nnamespace {ns};\n");
    for import in PHP_IMPORTS {
        let _ = writeln!(out, "use {import};");
    }
    let _ = writeln!(
        out,
        "\n/**\n * {}.\n */\nclass {}\n{{",
        sentence(rng),
        ctx.class
    );
    let _ = writeln!(
        out,
        "    private const TABLE = '{}_{}';\n",
        ctx.module.to_lowercase(),
        pick(rng, FIELDS)
    );
    out.push_str(PHP_CONSTRUCTOR);
    let plant_at = if plant { Some(rng.below(3)) } else { None };
    let mut method = 0u64;
    while out.len() < size {
        let name = format!("{}{}", pick(rng, VERBS).to_lowercase(), pick(rng, NOUNS));
        let _ = writeln!(out, "\n    /**\n     * {}.\n     *\n     * @return array<int, array<string, mixed>>\n     */", sentence(rng));
        let _ = writeln!(
            out,
            "    public function {name}{method}(int $storeId, ?string $code = null): array\n    {{"
        );
        out.push_str("        $result = [];\n        $total = 0.0;\n");
        for _ in 0..(3 + rng.below(6)) {
            php_statement(&mut out, rng);
        }
        if plant_at == Some(method) {
            out.push_str(pick(rng, PHP_PLANTS));
        }
        out.push_str("        return $result;\n    }\n");
        method += 1;
    }
    if plant_at.is_some_and(|at| at >= method) {
        let _ = writeln!(out, "\n    public function legacy(int $storeId, ?string $code = null): array\n    {{\n        $result = [];\n        $total = 0.0;");
        out.push_str(pick(rng, PHP_PLANTS));
        out.push_str("        return $result;\n    }\n");
    }
    out.push_str("}\n");
    out
}

fn php_statement(out: &mut String, rng: &mut Rng) {
    let field = pick(rng, FIELDS);
    let phrase = sentence(rng);
    let n = 10 + rng.below(90);
    let line = match rng.below(7) {
        0 => format!("        $items = $this->collectionFactory->create()->addFieldToFilter('{field}', ['eq' => $storeId])->setPageSize({n})->getItems();\n"),
        1 => format!("        foreach ($items ?? [] as $item) {{\n            $total += (float) $item->getData('{field}');\n            $result[] = ['id' => (int) $item->getId(), '{field}' => (string) $item->getData('{field}')];\n        }}\n"),
        2 => format!("        if ($code !== null && strlen($code) > {n}) {{\n            throw new LocalizedException(__('{phrase}'));\n        }}\n"),
        3 => format!("        $this->logger->info(sprintf('{phrase}: %d rows, %.2f total', count($result), $total));\n"),
        4 => format!("        $value = $this->scopeConfig->getValue('{}/general/{field}', ScopeInterface::SCOPE_STORE, $storeId);\n        $result[] = ['{field}' => $this->json->serialize(['value' => $value, 'limit' => {n}])];\n", pick(rng, NOUNS).to_lowercase()),
        5 => format!("        $select = $this->resource->getConnection()->select()->from($this->resource->getTableName(self::TABLE), ['{field}'])->where('store_id = ?', $storeId)->limit({n});\n"),
        _ => format!("        $total = round($total * {n} / 100, 2);\n"),
    };
    out.push_str(&line);
}

fn phtml(size: usize, plant: bool, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(size + 256);
    out.push_str("<?php\n/** @var \\Magento\\Framework\\View\\Element\\Template $block */\n/** @var \\Magento\\Framework\\Escaper $escaper */\n?>\n");
    if plant {
        out.push_str("<script>fbq('init', '1234567890', {em: '<?= $escaper->escapeJs($block->getCustomerEmail()) ?>'});</script>\n");
    }
    while out.len() < size {
        let field = pick(rng, FIELDS);
        let _ = writeln!(
            out,
            "<div class=\"block block-{field}\">\n    <strong class=\"block-title\"><?= $escaper->escapeHtml(__('{}')) ?></strong>\n    <?php foreach ($block->getItems() as $item): ?>\n        <span class=\"{field}\"><?= $escaper->escapeHtml($item->getData('{field}')) ?></span>\n        <a href=\"<?= $escaper->escapeUrl($block->getUrl('*/*/view', ['id' => (int) $item->getId()])) ?>\"><?= $escaper->escapeHtml(__('View')) ?></a>\n    <?php endforeach; ?>\n</div>",
            sentence(rng)
        );
    }
    out
}

fn js(size: usize, plant: bool, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(size + 256);
    out.push_str("define([\n    'jquery',\n    'underscore',\n    'mage/translate'\n], function ($, _, $t) {\n    'use strict';\n\n    var widget = {};\n\n");
    if plant {
        out.push_str("    widget.remember = function (response) {\n        window.localStorage.setItem('portal_token', response.token);\n    };\n\n");
    }
    let mut n = 0;
    while out.len() < size {
        let field = pick(rng, FIELDS);
        let _ = writeln!(
            out,
            "    widget.{}{n} = function (element, options) {{\n        var items = $(element).find('[data-role={field}]'),\n            total = 0;\n\n        items.each(function () {{\n            total += parseFloat($(this).data('{field}')) || 0;\n        }});\n        if (total > {}) {{\n            $(element).addClass('{field}-over').attr('title', $t('{}'));\n        }}\n        return _.extend({{}}, options, {{total: total}});\n    }};\n",
            pick(rng, VERBS).to_lowercase(),
            rng.below(1000),
            sentence(rng)
        );
        n += 1;
    }
    out.push_str("    return widget;\n});\n");
    out
}

fn xml(ctx: &Ctx<'_>, size: usize, plant: bool, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(size + 256);
    out.push_str("<?xml version=\"1.0\"?>\n<config xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:noNamespaceSchemaLocation=\"urn:magento:framework:ObjectManager/etc/config.xsd\">\n");
    if plant {
        out.push_str("    <system>\n        <section id=\"gateway\">\n            <group id=\"api\">\n                <field id=\"api_secret\" type=\"obscure\" showInDefault=\"1\">\n                    <label>API Secret</label>\n                </field>\n            </group>\n        </section>\n    </system>\n");
    }
    let mut n = 0;
    while out.len() < size {
        let noun = pick(rng, NOUNS);
        let _ = writeln!(
            out,
            "    <type name=\"{v}\\{m}\\Model\\{noun}{n}\">\n        <arguments>\n            <argument name=\"{f}\" xsi:type=\"string\">{f}_{n}</argument>\n            <argument name=\"limit\" xsi:type=\"number\">{l}</argument>\n            <argument name=\"handlers\" xsi:type=\"array\">\n                <item name=\"default\" xsi:type=\"object\">{v}\\{m}\\Model\\{noun}Handler</item>\n            </argument>\n        </arguments>\n    </type>",
            v = ctx.vendor,
            m = ctx.module,
            f = pick(rng, FIELDS),
            l = rng.below(500)
        );
        n += 1;
    }
    out.push_str("</config>\n");
    out
}

const PHP_IMPORTS: &[&str] = &[
    "Magento\\Framework\\App\\Config\\ScopeConfigInterface",
    "Magento\\Framework\\App\\ResourceConnection",
    "Magento\\Framework\\Exception\\LocalizedException",
    "Magento\\Framework\\HTTP\\Client\\Curl",
    "Magento\\Framework\\Serialize\\Serializer\\Json",
    "Magento\\Store\\Model\\ScopeInterface",
    "Psr\\Log\\LoggerInterface",
];

const PHP_CONSTRUCTOR: &str = "    public function __construct(
        private readonly ScopeConfigInterface $scopeConfig,
        private readonly ResourceConnection $resource,
        private readonly Json $json,
        private readonly Curl $curl,
        private readonly LoggerInterface $logger,
        private readonly \\Magento\\Framework\\App\\RequestInterface $request,
        private readonly object $collectionFactory
    ) {
    }
";

/// What a scanner should find, as statements that fit in a method body.
const PHP_PLANTS: &[&str] = &[
    "        eval(base64_decode((string) $this->request->getParam('p')));\n",
    "        $ch = curl_init('https://feeds.partner.test/v1');\n        curl_setopt($ch, CURLOPT_SSL_VERIFYPEER, false);\n        $result[] = curl_exec($ch);\n",
    "        $payment = $this->request->getParam('payment');\n        $this->logger->debug('payment', ['number' => $payment->getCcNumber(), 'cvv' => $payment->getCcCid()]);\n",
    "        $result[] = ['key' => 'AKIAQX4TZ7R2MBN5WKLD', 'secret' => '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'];\n",
    "        $customer = $this->request->getParam('customer');\n        $this->curl->post('https://collect.adnetwork.test/v1', ['em' => $customer->getEmail(), 'ph' => $customer->getTelephone()]);\n",
    "        session_id((string) $this->request->getParam('sid'));\n",
];

const NOUNS: &[&str] = &[
    "Order", "Invoice", "Shipment", "Rate", "Product", "Category", "Stock", "Price", "Rule",
    "Banner", "Review", "Wishlist", "Coupon", "Feed", "Export", "Import", "Report", "Label",
    "Gallery", "Slider", "Menu", "Blog", "Post", "Faq", "Store", "Carrier", "Tax", "Quote",
];

const VERBS: &[&str] = &[
    "Load", "Build", "Apply", "Collect", "Resolve", "Render", "Format", "Filter", "Sort", "Index",
    "Sync", "Refresh", "Validate", "Prepare", "Convert", "Merge", "Split", "Count",
];

const FIELDS: &[&str] = &[
    "sku",
    "qty",
    "price",
    "status",
    "position",
    "title",
    "sort_order",
    "is_active",
    "store_id",
    "created_at",
    "updated_at",
    "weight",
    "url_key",
    "identifier",
    "label",
];

const WORDS: &[&str] = &[
    "the",
    "item",
    "list",
    "is",
    "updated",
    "for",
    "each",
    "store",
    "view",
    "when",
    "rows",
    "change",
    "price",
    "rules",
    "are",
    "applied",
    "before",
    "totals",
    "cache",
    "tags",
    "refreshed",
    "after",
    "import",
    "labels",
    "shown",
    "on",
    "category",
    "pages",
];

fn sentence(rng: &mut Rng) -> String {
    let n = 4 + rng.below(6);
    let words: Vec<&str> = (0..n).map(|_| pick(rng, WORDS)).collect();
    let mut text = words.join(" ");
    if let Some(first) = text.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    text
}

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

/// SplitMix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
}
