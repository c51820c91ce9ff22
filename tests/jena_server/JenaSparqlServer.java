// A small SPARQL 1.1 protocol server (Query, Update, Graph Store) over Apache Jena ARQ and TDB2,
// run from source by tests/external_servers.py with Debian's libapache-jena-java on the class path
// when the Fuseki jar cannot be had. Same engine as Fuseki (ARQ over TDB2, union default graph);
// it is a test stand-in, not a server for production.
//   java -cp '/usr/share/java/*' JenaSparqlServer.java PORT DATABASE_DIR [QUERY_TIMEOUT_MS]
// A query past QUERY_TIMEOUT_MS (Fuseki's --timeout; 0 or absent: none) is cancelled: 503.
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import org.apache.jena.query.*;
import org.apache.jena.rdf.model.Model;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.riot.RDFLanguages;
import org.apache.jena.riot.RDFParser;
import org.apache.jena.sparql.core.DatasetGraph;
import org.apache.jena.sparql.graph.GraphFactory;
import org.apache.jena.graph.Graph;
import org.apache.jena.graph.Node;
import org.apache.jena.graph.NodeFactory;
import org.apache.jena.sparql.resultset.ResultsFormat;
import org.apache.jena.system.Txn;
import org.apache.jena.tdb2.TDB2;
import org.apache.jena.tdb2.TDB2Factory;
import org.apache.jena.update.UpdateAction;
import org.apache.jena.update.UpdateFactory;
import org.apache.jena.update.UpdateRequest;

public class JenaSparqlServer {
    static Dataset dataset;
    static long timeoutMs;

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        dataset = TDB2Factory.connectDataset(args[1]);
        timeoutMs = args.length > 2 ? Long.parseLong(args[2]) : 0;
        dataset.getContext().set(TDB2.symUnionDefaultGraph, true);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.createContext("/ds/query", JenaSparqlServer::query);
        server.createContext("/ds/sparql", JenaSparqlServer::query);
        server.createContext("/ds/update", JenaSparqlServer::update);
        server.createContext("/ds/data", JenaSparqlServer::graphStore);
        server.createContext("/$/ping", ex -> reply(ex, 200, "text/plain", "ok".getBytes(StandardCharsets.UTF_8)));
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.start();
        System.out.println("ready on " + port);
    }

    static Map<String, String> params(HttpExchange ex, byte[] body) {
        Map<String, String> map = new HashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        String type = contentType(ex);
        String form = type.startsWith("application/x-www-form-urlencoded") ? new String(body, StandardCharsets.UTF_8) : null;
        for (String part : new String[] {raw, form}) {
            if (part == null || part.isEmpty()) continue;
            for (String pair : part.split("&")) {
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                map.put(key, value);
            }
        }
        return map;
    }

    static String contentType(HttpExchange ex) {
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        return type == null ? "" : type.toLowerCase();
    }

    static void reply(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    static void fail(HttpExchange ex, int status, Throwable error) throws IOException {
        reply(ex, status, "text/plain; charset=utf-8", String.valueOf(error.getMessage()).getBytes(StandardCharsets.UTF_8));
    }

    static void query(HttpExchange ex) throws IOException {
        try {
            byte[] body = ex.getRequestBody().readAllBytes();
            Map<String, String> p = params(ex, body);
            String text = contentType(ex).startsWith("application/sparql-query") ? new String(body, StandardCharsets.UTF_8) : p.get("query");
            Query query;
            try {
                query = QueryFactory.create(text, Syntax.syntaxARQ);
            } catch (RuntimeException error) {
                fail(ex, 400, error);
                return;
            }
            String accept = String.valueOf(ex.getRequestHeaders().getFirst("Accept"));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            String[] type = new String[1];
            Txn.executeRead(dataset, () -> {
                QueryExecutionDatasetBuilder builder = QueryExecution.dataset(dataset).query(query);
                if (timeoutMs > 0) builder.timeout(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS);
                try (QueryExecution exec = builder.build()) {
                    boolean xml = accept.contains("sparql-results+xml");
                    if (query.isSelectType()) {
                        ResultSet results = exec.execSelect();
                        if (xml) ResultSetFormatter.outputAsXML(out, results);
                        else ResultSetFormatter.outputAsJSON(out, results);
                        type[0] = xml ? "application/sparql-results+xml" : "application/sparql-results+json";
                    } else if (query.isAskType()) {
                        boolean answer = exec.execAsk();
                        if (xml) ResultSetFormatter.outputAsXML(out, answer);
                        else ResultSetFormatter.outputAsJSON(out, answer);
                        type[0] = xml ? "application/sparql-results+xml" : "application/sparql-results+json";
                    } else {
                        Model model = query.isConstructType() ? exec.execConstruct() : exec.execDescribe();
                        RDFDataMgr.write(out, model, Lang.NTRIPLES);
                        type[0] = "application/n-triples";
                    }
                }
            });
            reply(ex, 200, type[0] + "; charset=utf-8", out.toByteArray());
        } catch (QueryCancelledException error) {
            fail(ex, 503, new RuntimeException("query timed out after " + timeoutMs + " ms"));
        } catch (Throwable error) {
            fail(ex, 500, error);
        }
    }

    static void update(HttpExchange ex) throws IOException {
        try {
            byte[] body = ex.getRequestBody().readAllBytes();
            Map<String, String> p = params(ex, body);
            String text = contentType(ex).startsWith("application/sparql-update") ? new String(body, StandardCharsets.UTF_8) : p.get("update");
            UpdateRequest request;
            try {
                request = UpdateFactory.create(text);
            } catch (RuntimeException error) {
                fail(ex, 400, error);
                return;
            }
            Txn.executeWrite(dataset, () -> UpdateAction.execute(request, dataset));
            reply(ex, 204, "text/plain", new byte[0]);
        } catch (Throwable error) {
            fail(ex, 500, error);
        }
    }

    static void graphStore(HttpExchange ex) throws IOException {
        try {
            byte[] body = ex.getRequestBody().readAllBytes();
            Map<String, String> p = params(ex, body);
            String method = ex.getRequestMethod();
            String iri = p.get("graph");
            Node name = iri == null ? null : NodeFactory.createURI(iri);
            boolean whole = iri == null && !p.containsKey("default");
            DatasetGraph dsg = dataset.asDatasetGraph();
            if (method.equals("GET")) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                boolean[] found = {true};
                Txn.executeRead(dataset, () -> {
                    if (whole) RDFDataMgr.write(out, dsg, Lang.NQUADS);
                    else if (name != null && !dsg.containsGraph(name)) found[0] = false;
                    else RDFDataMgr.write(out, name == null ? dsg.getDefaultGraph() : dsg.getGraph(name), Lang.NTRIPLES);
                });
                if (!found[0]) reply(ex, 404, "text/plain", "no such graph".getBytes(StandardCharsets.UTF_8));
                else reply(ex, 200, (whole ? "application/n-quads" : "application/n-triples") + "; charset=utf-8", out.toByteArray());
                return;
            }
            if (method.equals("DELETE")) {
                Txn.executeWrite(dataset, () -> {
                    if (name == null) dsg.getDefaultGraph().clear();
                    else dsg.removeGraph(name);
                });
                reply(ex, 204, "text/plain", new byte[0]);
                return;
            }
            Lang lang = RDFLanguages.contentTypeToLang(contentType(ex).split(";")[0].trim());
            if (lang == null) lang = whole ? Lang.NQUADS : Lang.NTRIPLES;
            Lang parseAs = lang;
            if (whole) {
                DatasetGraph incoming = org.apache.jena.sparql.core.DatasetGraphFactory.create();
                RDFParser.source(new java.io.ByteArrayInputStream(body)).lang(parseAs).parse(incoming);
                Txn.executeWrite(dataset, () -> incoming.find().forEachRemaining(dsg::add));
            } else {
                Graph incoming = GraphFactory.createDefaultGraph();
                RDFParser.source(new java.io.ByteArrayInputStream(body)).lang(parseAs).parse(incoming);
                Txn.executeWrite(dataset, () -> {
                    Graph target = name == null ? dsg.getDefaultGraph() : dsg.getGraph(name);
                    if (method.equals("PUT")) {
                        if (name == null) target.clear(); else dsg.removeGraph(name);
                        target = name == null ? dsg.getDefaultGraph() : dsg.getGraph(name);
                    }
                    Graph into = target;
                    incoming.find().forEachRemaining(into::add);
                });
            }
            reply(ex, 204, "text/plain", new byte[0]);
        } catch (org.apache.jena.riot.RiotException error) {
            fail(ex, 400, error);
        } catch (Throwable error) {
            fail(ex, 500, error);
        }
    }
}
