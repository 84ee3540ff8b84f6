// lightning: use acme extra
// lightning: use Acme@^x from
