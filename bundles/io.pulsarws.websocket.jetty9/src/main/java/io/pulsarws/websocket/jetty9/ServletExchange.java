package io.pulsarws.websocket.jetty9;

import io.pulsarws.websocket.transport.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Collections;
import java.util.List;
import javax.servlet.AsyncContext;
import javax.servlet.AsyncEvent;
import javax.servlet.AsyncListener;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/** A servlet request and response as an {@link HttpExchange}: one call each, nothing decided. */
final class ServletExchange implements HttpExchange {
    private final HttpServletRequest req;
    private final HttpServletResponse resp;

    ServletExchange(HttpServletRequest req, HttpServletResponse resp) {
        this.req = req;
        this.resp = resp;
    }

    @Override
    public String method() {
        return req.getMethod();
    }

    @Override
    public String path() {
        return req.getRequestURI().substring(req.getContextPath().length());
    }

    @Override
    public String query() {
        return req.getQueryString();
    }

    @Override
    public String header(String name) {
        return req.getHeader(name);
    }

    @Override
    public List<String> headers(String name) {
        var values = req.getHeaders(name);
        return values == null ? List.of() : Collections.list(values);
    }

    @Override
    public String remoteAddress() {
        return req.getRemoteAddr();
    }

    @Override
    public int remotePort() {
        return req.getRemotePort();
    }

    @Override
    public boolean secure() {
        return req.isSecure();
    }

    @Override
    public long contentLength() {
        return req.getContentLengthLong();
    }

    @Override
    public Object attribute(String name) {
        return req.getAttribute(name);
    }

    @Override
    public void attribute(String name, Object value) {
        if (value == null) {
            req.removeAttribute(name);
        } else {
            req.setAttribute(name, value);
        }
    }

    @Override
    public void status(int status) {
        resp.setStatus(status);
    }

    @Override
    public int status() {
        return resp.getStatus();
    }

    @Override
    public void contentType(String type) {
        resp.setContentType(type);
    }

    @Override
    public void header(String name, String value) {
        resp.setHeader(name, value);
    }

    @Override
    public void contentLength(long bytes) {
        resp.setContentLengthLong(bytes);
    }

    @Override
    public OutputStream body() throws IOException {
        return resp.getOutputStream();
    }

    @Override
    public void flush() throws IOException {
        resp.flushBuffer();
    }

    @Override
    public void redirect(String location) throws IOException {
        resp.sendRedirect(req.getContextPath() + location);
    }

    @Override
    public Async startAsync() {
        return new ServletAsync(req.startAsync());
    }

    private final class ServletAsync implements Async {
        private final AsyncContext async;

        ServletAsync(AsyncContext async) {
            this.async = async;
        }

        @Override
        public void timeout(long millis) {
            async.setTimeout(millis);
        }

        @Override
        public void listen(Events events) {
            async.addListener(new AsyncListener() {
                @Override
                public void onComplete(AsyncEvent event) {
                    events.onComplete();
                }

                @Override
                public void onTimeout(AsyncEvent event) {
                    events.onTimeout();
                }

                @Override
                public void onError(AsyncEvent event) {
                    events.onError(event.getThrowable());
                }

                @Override
                public void onStartAsync(AsyncEvent event) {
                    // never restarted
                }
            });
        }

        @Override
        public void complete() {
            async.complete();
        }

        @Override
        public void read(HttpExchange.ReadListener listener) {
            try {
                req.getInputStream().setReadListener(new javax.servlet.ReadListener() {
                    @Override
                    public void onDataAvailable() throws IOException {
                        listener.onDataAvailable();
                    }

                    @Override
                    public void onAllDataRead() throws IOException {
                        listener.onAllDataRead();
                    }

                    @Override
                    public void onError(Throwable t) {
                        listener.onError(t);
                    }
                });
            } catch (IOException e) {
                listener.onError(e);
            }
        }

        @Override
        public boolean readReady() {
            try {
                return req.getInputStream().isReady();
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return req.getInputStream().read(b, off, len);
        }

        @Override
        public void write(HttpExchange.WriteListener listener) {
            try {
                resp.getOutputStream().setWriteListener(new javax.servlet.WriteListener() {
                    @Override
                    public void onWritePossible() throws IOException {
                        listener.onWritePossible();
                    }

                    @Override
                    public void onError(Throwable t) {
                        listener.onError(t);
                    }
                });
            } catch (IOException e) {
                listener.onError(e);
            }
        }

        @Override
        public boolean writeReady() {
            try {
                return resp.getOutputStream().isReady();
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            resp.getOutputStream().write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            resp.getOutputStream().flush();
        }
    }
}
