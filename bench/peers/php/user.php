<?php
// bench/peers/php/user.php: the user API's GET /user/{id} and POST /user as
// a PHP team would write them: PHP-FPM, PDO SQLite with a persistent
// connection, the same table, the same durability (WAL, synchronous=FULL,
// 5 s busy timeout) and the same validation and answers as microshop's
// user service. Only for bench/run; the path prefix is /peer/php.

function problem(int $status, string $detail, array $errors = []): void
{
    http_response_code($status);
    header('Content-Type: application/problem+json');
    $p = ['type' => 'about:blank', 'title' => $status === 404 ? 'Not Found' : 'Error',
          'status' => $status, 'detail' => $detail];
    if ($errors) {
        $p['errors'] = $errors;
    }
    echo json_encode($p, JSON_UNESCAPED_SLASHES), "\n";
}

function db(): PDO
{
    $db = new PDO('sqlite:' . getenv('PEER_DB'), null, null, [
        PDO::ATTR_PERSISTENT => true,
        PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
        PDO::ATTR_TIMEOUT => 5,
    ]);
    $db->exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL');
    return $db;
}

function send_user(int $status, array $u): void
{
    http_response_code($status);
    header('Content-Type: application/json');
    header('ETag: "' . $u['version'] . '"');
    if ($status === 201) {
        header('Location: /user/' . $u['id']);
    }
    $u['id'] = (int)$u['id'];
    $u['version'] = (int)$u['version'];
    echo json_encode($u, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE), "\n";
}

function name_error(string $s): ?string
{
    $s = trim($s, " \t\n\r");
    if (!preg_match('//u', $s)) {
        return 'must be valid UTF-8';
    }
    $chars = preg_match_all('/./us', $s);
    if ($chars === 0) {
        return 'must not be empty';
    }
    if ($chars > 100) {
        return 'must be at most 100 characters';
    }
    if (preg_match('/[\x00-\x1f\x7f]|\xc2[\x80-\x9f]/', $s)) {
        return 'must not contain control characters';
    }
    return null;
}

function email_error(string $s): ?string
{
    $atext = "A-Za-z0-9!#$%&'*+\\/=?^_`{|}~-";
    $label = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
    if ($s === '') {
        return 'must not be empty';
    }
    if (strlen($s) > 254) {
        return 'must be at most 254 bytes';
    }
    if (substr_count($s, '@') !== 1) {
        return "must contain exactly one '@'";
    }
    [$local, $domain] = explode('@', $s);
    if (strlen($local) > 64 || !preg_match("/^[$atext]+(\\.[$atext]+)*\$/", $local)) {
        return "has an invalid part before '@'";
    }
    if (strlen($domain) > 253 || !preg_match("/^($label\\.)+$label\$/", $domain) ||
        preg_match('/\.[0-9]+$/', $domain)) {
        return 'has an invalid domain';
    }
    return null;
}

function create_user(): void
{
    if (strtok($_SERVER['CONTENT_TYPE'] ?? '', ';') !== 'application/json') {
        problem(415, 'the body must be application/json');
        return;
    }
    $in = json_decode(file_get_contents('php://input'), true, 32);
    if (!is_array($in) || array_is_list($in)) {
        problem(400, 'the body must be a JSON object');
        return;
    }
    $errors = [];
    foreach (array_keys($in) as $k) {
        if ($k !== 'name' && $k !== 'email') {
            $errors[] = ['field' => $k, 'detail' => 'is not a member of this resource'];
        }
    }
    foreach (['name', 'email'] as $k) {
        if (!array_key_exists($k, $in)) {
            $errors[] = ['field' => $k, 'detail' => 'is required'];
        } elseif (!is_string($in[$k])) {
            problem(400, "$k must be a string");
            return;
        } elseif (($why = ($k === 'name' ? name_error($in[$k]) : email_error($in[$k])))) {
            $errors[] = ['field' => $k, 'detail' => $why];
        }
    }
    if ($errors) {
        problem(422, 'the request has invalid fields', $errors);
        return;
    }
    $now = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')";
    try {
        $st = db()->prepare("INSERT INTO users (name, email, created_at, updated_at, version)" .
            " VALUES (?, ?, $now, $now, 1)" .
            " RETURNING id, name, email, created_at, updated_at, version");
        $st->execute([trim($in['name'], " \t\n\r"), $in['email']]);
        send_user(201, $st->fetch(PDO::FETCH_ASSOC));
    } catch (PDOException $e) {
        if ($e->getCode() === '23000') {
            problem(409, 'a user with this email already exists');
        } else {
            header('Retry-After: 1');
            problem(503, 'the database could not complete the request');
        }
    }
}

function read_user(string $id): void
{
    if (!preg_match('/^[1-9][0-9]{0,18}$/', $id) || (int)$id <= 0) {
        problem(404, 'no such resource');
        return;
    }
    $st = db()->prepare('SELECT id, name, email, created_at, updated_at, version' .
        ' FROM users WHERE id = ?');
    $st->execute([(int)$id]);
    $u = $st->fetch(PDO::FETCH_ASSOC);
    if ($u === false) {
        problem(404, 'no such user');
        return;
    }
    send_user(200, $u);
}

$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$method = $_SERVER['REQUEST_METHOD'];
if ($path === '/peer/php/user' && $method === 'POST') {
    create_user();
} elseif (preg_match('#^/peer/php/user/([^/]+)$#', $path, $m) && $method === 'GET') {
    read_user($m[1]);
} else {
    problem(404, 'no such resource');
}
