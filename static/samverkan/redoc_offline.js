/* Loaded before ReDoc on /api/redoc/ (templates/api_docs/redoc.html). ReDoc's sidebar always shows Redocly's logo
   from their CDN, with no option to turn it off; the site's Content-Security-Policy blocks such a request and the
   browser reports a violation. An image from another host (that one, or one in a description) gets an empty
   source instead, which ReDoc handles as a missing logo: the page asks no other host for anything. */
"use strict";
(function () {
  function local(value) {
    var url = new URL(String(value), document.baseURI);
    return /^https?:$/.test(url.protocol) && url.origin !== window.location.origin ? "data:," : value;
  }
  var setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLImageElement && String(name).toLowerCase() === "src") {
      value = local(value);
    }
    return setAttribute.call(this, name, value);
  };
  var src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) {
      src.set.call(this, local(value));
    },
  });
})();
